package dev.baton.nomad;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Nomad server's own certificate names {@code server.<region>.nomad}, not the address it is reached at
 * ({@code nomad tls cert create -server}); the Nomad CLI verifies it against {@code NOMAD_TLS_SERVER_NAME}, and finds
 * its CA in {@code NOMAD_CACERT} or in a directory, {@code NOMAD_CAPATH}. Here the server on 127.0.0.1 holds a
 * certificate for {@code server.global.nomad} only.
 */
class NomadTlsServerNameTest {
    @TempDir
    static Path dir;
    static WireMockServer server;
    static Path caDir;

    @BeforeAll
    static void start() throws Exception {
        var cert = dev.baton.testkit.SelfSignedCertificate.create(dir, "dns:server.global.nomad");
        server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").httpDisabled(true).dynamicHttpsPort()
                .keystorePath(cert.keyStore().toString()).keystorePassword(cert.password()).keyManagerPassword(cert.password()).keystoreType("PKCS12"));
        server.start();
        server.stubFor(get(urlPathEqualTo("/v1/job/web")).willReturn(aResponse().withStatus(404).withBody("job not found")));
        caDir = Files.createDirectories(dir.resolve("cas"));
        Files.copy(cert.caPem(), caDir.resolve("nomad-agent-ca.pem"));
        Files.writeString(caDir.resolve("README"), "not a certificate");
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static Orchestrator connect(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("NOMAD_ADDR", "https://127.0.0.1:" + server.httpsPort()));
        env.putAll(extra);
        return Orchestrators.connect(Target.parse("nomad://"), OrchestratorConfig.builder().environment(env)
                .requestTimeout(Duration.ofSeconds(5)).build());
    }

    @Test
    void aCertificateForTheServerNameIsRefusedForTheAddressAndAcceptedForNomadTlsServerName() {
        server.resetRequests();
        try (Orchestrator o = connect(Map.of("NOMAD_CACERT", dir.resolve("ca.pem").toString()))) {
            // trusted CA, but the certificate does not name 127.0.0.1
            assertThatThrownBy(() -> o.status("web")).isNotInstanceOf(NotFoundException.class);
        }
        assertThat(server.getAllServeEvents()).as("no request got through").isEmpty();

        try (Orchestrator o = connect(Map.of("NOMAD_CACERT", dir.resolve("ca.pem").toString(), "NOMAD_TLS_SERVER_NAME", "server.global.nomad"))) {
            assertThatThrownBy(() -> o.status("web")).isInstanceOf(NotFoundException.class);
        }
        assertThat(server.getAllServeEvents()).isNotEmpty();
    }

    @Test
    void theCaIsFoundInTheDirectoryOfNomadCapath() {
        server.resetRequests();
        try (Orchestrator o = connect(Map.of("NOMAD_CAPATH", caDir.toString(), "NOMAD_TLS_SERVER_NAME", "server.global.nomad"))) {
            assertThatThrownBy(() -> o.status("web")).isInstanceOf(NotFoundException.class);
        }
        assertThat(server.getAllServeEvents()).isNotEmpty();
    }
}
