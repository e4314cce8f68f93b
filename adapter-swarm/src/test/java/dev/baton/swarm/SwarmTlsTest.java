package dev.baton.swarm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.PlatformUnavailableException;
import dev.baton.Target;
import dev.baton.spi.RetryPolicy;
import dev.baton.testkit.SelfSignedCertificate;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code swarm://tcp/host:2376} speaks TLS with the files in {@code DOCKER_CERT_PATH} ({@code ca.pem}, {@code cert.pem},
 * {@code key.pem}), as the docker CLI does; here against an HTTPS stand-in for the engine on 127.0.0.1 whose
 * certificate only that {@code ca.pem} vouches for.
 */
class SwarmTlsTest {
    @TempDir
    static Path dir;
    static WireMockServer engine;
    static Path certPath;

    @BeforeAll
    static void start() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.create(dir);
        certPath = Files.createDirectories(dir.resolve("docker"));
        Files.copy(cert.caPem(), certPath.resolve("ca.pem"));
        Files.copy(cert.caPem(), certPath.resolve("cert.pem"));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(cert.keyStore())) {
            ks.load(in, cert.password().toCharArray());
        }
        byte[] key = ks.getKey("server", cert.password().toCharArray()).getEncoded();
        Files.writeString(certPath.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key) + "\n-----END PRIVATE KEY-----\n");
        engine = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").httpDisabled(true).dynamicHttpsPort()
                .keystorePath(cert.keyStore().toString()).keystorePassword(cert.password()).keyManagerPassword(cert.password())
                .keystoreType("PKCS12"));
        engine.start();
        engine.stubFor(get(urlPathEqualTo("/version")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\"}")));
        engine.stubFor(get(urlPathEqualTo("/v1.41/nodes")).willReturn(aResponse().withHeader("Content-Type", "application/json").withBody("[]")));
    }

    @AfterAll
    static void stop() {
        engine.stop();
    }

    private static Orchestrator connect(Map<String, String> env) {
        return Orchestrators.connect(Target.parse("swarm://tcp/127.0.0.1:" + engine.httpsPort()), OrchestratorConfig.builder()
                .environment(env).retryPolicy(RetryPolicy.none()).requestTimeout(Duration.ofSeconds(5)).build());
    }

    @Test
    void theCertificatesInDockerCertPathAreUsed() {
        try (Orchestrator o = connect(Map.of("DOCKER_CERT_PATH", certPath.toString()))) {
            assertThat(o.platform().version()).startsWith("20.10.24 (API 1.41)");
        }
        assertThat(engine.getAllServeEvents()).anyMatch(e -> e.getRequest().getUrl().equals("/version") && e.getRequest().getScheme().equals("https"));
    }

    @Test
    void withTlsTurnedOffTheTlsEngineCannotBeTalkedTo() {
        try (Orchestrator o = connect(Map.of("DOCKER_CERT_PATH", certPath.toString(), "DOCKER_TLS_VERIFY", "0"))) {
            assertThatThrownBy(o::platform).isInstanceOf(PlatformUnavailableException.class).hasMessageContaining("tcp://127.0.0.1:");
        }
    }

    @Test
    void addressesAreReadAsTheDockerCliReadsThem() {
        OrchestratorConfig none = OrchestratorConfig.builder().environment(Map.of()).build();
        assertThat(SwarmProvider.dockerHost(Target.parse("swarm://"), none)).isEqualTo("unix:///var/run/docker.sock");
        assertThat(SwarmProvider.dockerHost(Target.parse("swarm://"), OrchestratorConfig.builder()
                .environment(Map.of("DOCKER_HOST", "tcp://10.0.0.5:2376")).build())).isEqualTo("tcp://10.0.0.5:2376");
        assertThat(SwarmProvider.dockerHost(Target.parse("swarm://tcp/manager:2376"), none)).isEqualTo("tcp://manager:2376");
        assertThat(SwarmProvider.dockerHost(Target.parse("swarm://unix/run/user/1000/docker.sock"), none)).isEqualTo("unix:///run/user/1000/docker.sock");
        assertThatThrownBy(() -> SwarmProvider.dockerHost(Target.parse("swarm://no such host"), none))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("swarm://tcp/host:2376");
    }
}
