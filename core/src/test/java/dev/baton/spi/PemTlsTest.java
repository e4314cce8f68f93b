package dev.baton.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys as the platforms' own tools write them (fixtures made with OpenSSL 3.0: {@code genrsa -traditional},
 * {@code ecparam -genkey}, and {@code pkcs8 -topk8 -nocrypt} of each for the same key in PKCS#8).
 */
class PemTlsTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) throws Exception {
        return Path.of(PemTlsTest.class.getResource("/pem/" + name).toURI());
    }

    private static PrivateKey key(String name) throws Exception {
        return PemTls.privateKey(fixture(name));
    }

    @Test
    void aPkcs1RsaKeyReadsAsTheSameKeyAsItsPkcs8Form() throws Exception {
        assertThat(key("rsa-pkcs1.pem").getEncoded()).isEqualTo(key("rsa-pkcs8.pem").getEncoded());
    }

    @Test
    void aSec1EcKeyWithOrWithoutItsParametersBlockReadsAsItsPkcs8Form() throws Exception {
        assertThat(key("ec-sec1.pem").getAlgorithm()).isEqualTo("EC");
        assertSameEcKey(key("ec-sec1.pem"), key("ec-pkcs8.pem"));
        assertSameEcKey(key("ec384-sec1.pem"), key("ec384-pkcs8.pem"));
    }

    /** The same private scalar on the same curve (OpenSSL's PKCS#8 form leaves the curve out of the inner structure). */
    private static void assertSameEcKey(PrivateKey a, PrivateKey b) {
        var x = (java.security.interfaces.ECPrivateKey) a;
        var y = (java.security.interfaces.ECPrivateKey) b;
        assertThat(x.getS()).isEqualTo(y.getS());
        assertThat(x.getParams().getCurve()).isEqualTo(y.getParams().getCurve());
        assertThat(x.getParams().getOrder()).isEqualTo(y.getParams().getOrder());
    }

    @Test
    void anEncryptedKeyOrNoKeyIsRefusedWithTheReason() throws Exception {
        Path encrypted = Files.writeString(dir.resolve("enc.pem"), "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
        Path none = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

        assertThatThrownBy(() -> PemTls.privateKey(encrypted)).hasMessageContaining("encrypted");
        assertThatThrownBy(() -> PemTls.privateKey(none)).hasMessageContaining("RSA PRIVATE KEY");
    }
}
