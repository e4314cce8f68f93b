package dev.baton.marathon;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.baton.AuthenticationException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MARATHON_URL over HTTPS trusts exactly the CA in MARATHON_CACERT (a DC/OS cluster's own CA). */
class MarathonTlsTest {
    @TempDir
    static Path dir;
    static WireMockServer server;

    static void keytool(String... args) throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(keytool));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    @BeforeAll
    static void start() throws Exception {
        Path ks = dir.resolve("server.p12");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", ks.toString(), "-storepass", "changeit",
                "-file", dir.resolve("ca.pem").toString());
        server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").httpDisabled(true).dynamicHttpsPort()
                .keystorePath(ks.toString()).keystorePassword("changeit").keyManagerPassword("changeit").keystoreType("PKCS12"));
        server.start();
        server.stubFor(get(urlPathEqualTo("/v2/apps")).willReturn(aResponse().withHeader("Content-Type", "application/json").withBody("{\"apps\": []}")));
        server.stubFor(get(urlPathEqualTo("/v2/leader")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"leader\": \"127.0.0.1:" + server.httpsPort() + "\"}")));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static Orchestrator connect(Map<String, String> env) {
        return Orchestrators.connect(Target.parse("marathon://"), OrchestratorConfig.builder().environment(env)
                .requestTimeout(Duration.ofSeconds(5)).build());
    }

    @Test
    void theCaFromMarathonCacertIsTrusted() {
        try (Orchestrator o = connect(Map.of("MARATHON_URL", "https://127.0.0.1:" + server.httpsPort(),
                "MARATHON_CACERT", dir.resolve("ca.pem").toString()))) {
            assertThatThrownBy(() -> o.status("web")).isInstanceOf(dev.baton.NotFoundException.class);
        }
        assertThat(server.getAllServeEvents()).isNotEmpty();
    }

    @Test
    void withoutTheCaTheHandshakeFailsWithAClearMessage() {
        try (Orchestrator o = connect(Map.of("MARATHON_URL", "https://127.0.0.1:" + server.httpsPort()))) {
            assertThatThrownBy(() -> o.status("web")).isInstanceOf(AuthenticationException.class)
                    .hasMessageContaining("TLS with https://127.0.0.1:").hasMessageContaining("MARATHON_CACERT");
        }
    }

    @Test
    void aClientCertificateWithoutItsKeyIsRefused() {
        assertThatThrownBy(() -> connect(Map.of("MARATHON_CLIENT_CERT", dir.resolve("ca.pem").toString())))
                .hasMessageContaining("MARATHON_CLIENT_CERT and MARATHON_CLIENT_KEY must be set together");
    }
}
