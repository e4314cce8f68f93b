package dev.baton.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A server certificate for 127.0.0.1, made with the JDK's {@code keytool}, for tests of TLS against a local test
 * server: the PKCS#12 key store the server uses, and the certificate as PEM, which is the CA a client must trust.
 *
 * @param keyStore the PKCS#12 key store (alias {@code server})
 * @param password the store's and the key's password
 * @param caPem the certificate in PEM
 * @since 0.1
 */
public record SelfSignedCertificate(Path keyStore, String password, Path caPem) {

    /** Creates the key store and the PEM file in {@code dir}; valid for two days. */
    public static SelfSignedCertificate create(Path dir) throws IOException, InterruptedException {
        return create(dir, "ip:127.0.0.1");
    }

    /**
     * As {@link #create(Path)}, for the subject alternative names {@code san} in keytool's form
     * ({@code dns:server.global.nomad}, {@code ip:127.0.0.1}, several comma-separated): a certificate that does not name
     * the address it is served on, as a cluster's own certificates often do not.
     *
     * @since 0.1
     */
    public static SelfSignedCertificate create(Path dir, String san) throws IOException, InterruptedException {
        Path ks = dir.resolve("server.p12");
        String password = "changeit";
        keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=" + san, "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password);
        Path pem = dir.resolve("ca.pem");
        keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", ks.toString(), "-storepass", password, "-file", pem.toString());
        return new SelfSignedCertificate(ks, password, pem);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("keytool failed: " + out);
        }
    }
}
