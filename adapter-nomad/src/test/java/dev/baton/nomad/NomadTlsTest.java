package dev.baton.nomad;

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
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NOMAD_ADDR over HTTPS trusts exactly the CA in NOMAD_CACERT, as the Nomad CLI does. */
class NomadTlsTest {
    @TempDir
    static Path dir;
    static WireMockServer server;

    private static Path caPem() {
        return dir.resolve("ca.pem");
    }

    @BeforeAll
    static void start() throws Exception {
        var cert = dev.baton.testkit.SelfSignedCertificate.create(dir);
        server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").httpDisabled(true).dynamicHttpsPort()
                .keystorePath(cert.keyStore().toString()).keystorePassword(cert.password()).keyManagerPassword(cert.password()).keystoreType("PKCS12"));
        server.start();
        server.stubFor(get(urlPathEqualTo("/v1/job/web")).willReturn(aResponse().withStatus(404).withBody("job not found")));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static Orchestrator connect(Map<String, String> env) {
        return Orchestrators.connect(Target.parse("nomad://"), OrchestratorConfig.builder().environment(env)
                .requestTimeout(Duration.ofSeconds(5)).build());
    }

    @Test
    void theCaFromNomadCacertIsTrusted() {
        try (Orchestrator o = connect(Map.of("NOMAD_ADDR", "https://127.0.0.1:" + server.httpsPort(),
                "NOMAD_CACERT", caPem().toString()))) {
            assertThatThrownBy(() -> o.status("web")).isInstanceOf(dev.baton.NotFoundException.class);
        }
        assertThat(server.getAllServeEvents()).isNotEmpty();
    }

    @Test
    void withoutTheCaTheHandshakeFailsWithAClearMessage() {
        try (Orchestrator o = connect(Map.of("NOMAD_ADDR", "https://127.0.0.1:" + server.httpsPort()))) {
            assertThatThrownBy(() -> o.status("web")).isInstanceOf(AuthenticationException.class)
                    .hasMessageContaining("TLS with https://127.0.0.1:").hasMessageContaining("NOMAD_CACERT");
        }
    }

    @Test
    void aClientCertificateWithoutItsKeyIsRefused() {
        assertThatThrownBy(() -> connect(Map.of("NOMAD_CLIENT_CERT", caPem().toString())))
                .hasMessageContaining("NOMAD_CLIENT_CERT and NOMAD_CLIENT_KEY must be set together");
    }
}
