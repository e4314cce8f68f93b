package dev.baton.spi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS from PEM files, as the platforms' CLIs configure it ({@code NOMAD_CACERT}, {@code MARATHON_CACERT}, …): a CA
 * bundle to trust instead of the JDK's, and optionally a client certificate and PKCS#8 key for mutual TLS. Only the
 * JDK's own classes are used.
 *
 * @since 0.1
 */
public final class PemTls {
    /** An SSL context and the trust manager OkHttp needs beside it. */
    public record Setup(SSLContext context, X509TrustManager trust) {
    }

    private PemTls() {
    }

    /**
     * @param platform the platform's name, for messages
     * @param variables the names of the three settings, for messages ({@code NOMAD_CACERT}, {@code NOMAD_CLIENT_CERT},
     *     {@code NOMAD_CLIENT_KEY})
     * @throws IllegalArgumentException naming the file or setting at fault
     */
    public static Setup load(String platform, String[] variables, String caCert, String clientCert, String clientKey) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (caCert != null) {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                int i = 0;
                for (Certificate c : certificates(Path.of(caCert))) {
                    trust.setCertificateEntry("ca" + i++, c);
                }
                tmf.init(trust);
            } else {
                tmf.init((KeyStore) null);
            }
            KeyManagerFactory kmf = null;
            if (clientCert != null && clientKey != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", privateKey(Path.of(clientKey)), new char[0],
                        certificates(Path.of(clientCert)).toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, new char[0]);
            } else if (clientCert != null || clientKey != null) {
                throw new IllegalArgumentException(variables[1] + " and " + variables[2] + " must be set together");
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return new Setup(ctx, (X509TrustManager) tmf.getTrustManagers()[0]);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS for " + platform + " from " + String.join(", ", variables) + ": " + e.getMessage(), e);
        }
    }

    private static Collection<? extends Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
    }

    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IllegalArgumentException(pem + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY); convert it with "
                    + "openssl pkcs8 -topk8 -nocrypt");
        }
        String base64 = text.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(base64);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(pem + " holds a key of an unsupported algorithm");
    }
}
