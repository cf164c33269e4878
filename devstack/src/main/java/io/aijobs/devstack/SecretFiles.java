package io.aijobs.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/** The stack's generated passwords: each in a file of its own, readable by its owner only, made once and kept. */
final class SecretFiles {

    private SecretFiles() {
    }

    /** The password kept in {@code file}; a new random one (24 bytes, hex) written there, mode 600, if there is none. */
    static String password(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                byte[] random = new byte[24];
                new SecureRandom().nextBytes(random);
                write(file, HexFormat.of().formatHex(random));
            }
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot keep a password in " + file, e);
        }
    }

    /**
     * Writes {@code content} to {@code file} (replacing it), the file made owner-only (mode 600) before anything is
     * written into it, where the file system has POSIX permissions.
     */
    static void write(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, content);
    }
}
