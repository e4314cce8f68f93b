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
 * bundle to trust instead of the JDK's, and optionally a client certificate and key (PKCS#8, PKCS#1 or SEC1 PEM) for
 * mutual TLS. Only the JDK's own classes are used.
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

    /** The certificates of a PEM file, or of every PEM file of a directory ({@code NOMAD_CAPATH}, {@code SSL_CERT_DIR}). */
    private static Collection<? extends Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        if (Files.isDirectory(pem)) {
            java.util.List<Certificate> all = new java.util.ArrayList<>();
            try (java.util.stream.Stream<Path> files = Files.list(pem)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                    if (text.contains("-----BEGIN CERTIFICATE-----")) {
                        all.addAll(certificates(f));
                    }
                }
            }
            if (all.isEmpty()) {
                throw new IllegalArgumentException(pem + " holds no PEM certificate");
            }
            return all;
        }
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
    }

    /**
     * The private key in a PEM file, in any of the encodings the platforms' own tools write: PKCS#8
     * ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, openssl genrsa and many others) or SEC1
     * ({@code BEGIN EC PRIVATE KEY}, {@code nomad tls cert create}, openssl ecparam). An encrypted key is refused with
     * the reason.
     */
    static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        if (text.contains("ENCRYPTED")) {
            throw new IllegalArgumentException(pem + " holds an encrypted key; give an unencrypted one (openssl pkey -in KEY -out PLAIN)");
        }
        byte[] pkcs8;
        String[] algorithms;
        if (text.contains("-----BEGIN PRIVATE KEY-----")) {
            pkcs8 = block(text, "PRIVATE KEY");
            algorithms = new String[] {"RSA", "EC", "Ed25519", "Ed448"};
        } else if (text.contains("-----BEGIN RSA PRIVATE KEY-----")) {
            // PrivateKeyInfo { version 0, AlgorithmIdentifier { rsaEncryption, NULL }, OCTET STRING RSAPrivateKey } (RFC 5208, RFC 8017)
            pkcs8 = Der.sequence(Der.integerZero(), Der.sequence(Der.oid(RSA_ENCRYPTION), Der.nullValue()),
                    Der.octetString(block(text, "RSA PRIVATE KEY")));
            algorithms = new String[] {"RSA"};
        } else if (text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            // PrivateKeyInfo { version 0, AlgorithmIdentifier { id-ecPublicKey, namedCurve }, OCTET STRING ECPrivateKey } (RFC 5915, RFC 5480)
            byte[] sec1 = block(text, "EC PRIVATE KEY");
            byte[] curve = Der.curveOf(sec1);
            if (curve == null) {
                throw new IllegalArgumentException(pem + " is an EC key without its named curve");
            }
            pkcs8 = Der.sequence(Der.integerZero(), Der.sequence(Der.oid(EC_PUBLIC_KEY), curve), Der.octetString(sec1));
            algorithms = new String[] {"EC"};
        } else {
            throw new IllegalArgumentException(pem + " holds no PEM private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
        }
        for (String algorithm : algorithms) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(pem + " holds a key of an unsupported algorithm");
    }

    private static final int[] RSA_ENCRYPTION = {1, 2, 840, 113549, 1, 1, 1};
    private static final int[] EC_PUBLIC_KEY = {1, 2, 840, 10045, 2, 1};

    private static byte[] block(String text, String label) {
        int begin = text.indexOf("-----BEGIN " + label + "-----");
        int end = text.indexOf("-----END " + label + "-----", begin);
        if (begin < 0 || end < 0) {
            throw new IllegalArgumentException("no complete " + label + " block");
        }
        String base64 = text.substring(begin + ("-----BEGIN " + label + "-----").length(), end).replaceAll("\\s", "");
        return Base64.getDecoder().decode(base64);
    }

    /** The little DER that wrapping a PKCS#1 or SEC1 key into PKCS#8 needs. */
    static final class Der {
        private Der() {
        }

        static byte[] tlv(int tag, byte[] value) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.write(tag);
            int n = value.length;
            if (n < 0x80) {
                out.write(n);
            } else {
                int bytes = n > 0xFFFFFF ? 4 : n > 0xFFFF ? 3 : n > 0xFF ? 2 : 1;
                out.write(0x80 | bytes);
                for (int i = bytes - 1; i >= 0; i--) {
                    out.write((n >>> (8 * i)) & 0xFF);
                }
            }
            out.writeBytes(value);
            return out.toByteArray();
        }

        static byte[] sequence(byte[]... parts) {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            for (byte[] p : parts) {
                body.writeBytes(p);
            }
            return tlv(0x30, body.toByteArray());
        }

        static byte[] integerZero() {
            return new byte[] {0x02, 0x01, 0x00};
        }

        static byte[] nullValue() {
            return new byte[] {0x05, 0x00};
        }

        static byte[] octetString(byte[] value) {
            return tlv(0x04, value);
        }

        static byte[] oid(int[] arcs) {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            body.write(arcs[0] * 40 + arcs[1]);
            for (int i = 2; i < arcs.length; i++) {
                long v = arcs[i];
                int groups = 1;
                while ((v >>> (7 * groups)) != 0) {
                    groups++;
                }
                for (int g = groups - 1; g >= 0; g--) {
                    int b = (int) ((v >>> (7 * g)) & 0x7F);
                    body.write(g == 0 ? b : b | 0x80);
                }
            }
            return tlv(0x06, body.toByteArray());
        }

        /** The namedCurve OID (as a whole TLV) of a SEC1 ECPrivateKey: the content of its [0] field, or null. */
        static byte[] curveOf(byte[] sec1) {
            int[] at = {0};
            if (sec1[at[0]++] != 0x30) {
                return null;
            }
            int end = length(sec1, at) + at[0];
            while (at[0] < end) {
                int tag = sec1[at[0]++] & 0xFF;
                int len = length(sec1, at);
                if (tag == 0xA0) {
                    return java.util.Arrays.copyOfRange(sec1, at[0], at[0] + len);
                }
                at[0] += len;
            }
            return null;
        }

        private static int length(byte[] der, int[] at) {
            int first = der[at[0]++] & 0xFF;
            if (first < 0x80) {
                return first;
            }
            int n = 0;
            for (int i = 0; i < (first & 0x7F); i++) {
                n = (n << 8) | (der[at[0]++] & 0xFF);
            }
            return n;
        }
    }
}
