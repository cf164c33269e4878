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
                Files.writeString(file, HexFormat.of().formatHex(random));
                ownerOnly(file);
            }
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot keep a password in " + file, e);
        }
    }

    /** Mode 600, where the file system has POSIX permissions; elsewhere the file keeps its folder's. */
    static void ownerOnly(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }
}
