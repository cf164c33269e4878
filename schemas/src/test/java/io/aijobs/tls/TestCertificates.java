package io.aijobs.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made for one test, and a server certificate it signed for 127.0.0.1 and localhost, made
 * with the JDK's {@code keytool}: the server's key store (its key and chain) and a trust store holding only the CA.
 * PKCS12 files; one password for all.
 */
public record TestCertificates(Path serverKeyStore, Path trustStore, String password) {

    /** Makes the CA, the server's key and certificate, and the trust store under {@code dir}. */
    public static TestCertificates create(Path dir) throws IOException, InterruptedException {
        String password = "test-" + Long.toHexString(System.nanoTime());
        Path ca = dir.resolve("ca.p12");
        Path server = dir.resolve("server.p12");
        Path trust = dir.resolve("truststore.p12");
        Path caCert = dir.resolve("ca.crt");
        Path request = dir.resolve("server.csr");
        Path serverCert = dir.resolve("server.crt");
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=aijobs test CA", "-keyalg", "EC", "-groupname", "secp256r1",
                "-ext", "bc:c", "-validity", "2", "-keystore", ca.toString(), "-storetype", "PKCS12", "-storepass", password);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", password, "-file", caCert.toString());
        keytool("-genkeypair", "-alias", "server", "-dname", "CN=127.0.0.1", "-keyalg", "EC", "-groupname", "secp256r1",
                "-validity", "2", "-keystore", server.toString(), "-storetype", "PKCS12", "-storepass", password);
        keytool("-certreq", "-alias", "server", "-keystore", server.toString(), "-storepass", password, "-file", request.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", password, "-infile", request.toString(),
                "-outfile", serverCert.toString(), "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore", server.toString(),
                "-storepass", password);
        keytool("-importcert", "-alias", "server", "-file", serverCert.toString(), "-keystore", server.toString(), "-storepass", password);
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore", trust.toString(),
                "-storetype", "PKCS12", "-storepass", password);
        return new TestCertificates(server, trust, password);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + new String(output));
        }
    }

    /** Whether the files exist (for assertions on cleanup). */
    public boolean exists() {
        return Files.exists(serverKeyStore) && Files.exists(trustStore);
    }
}
