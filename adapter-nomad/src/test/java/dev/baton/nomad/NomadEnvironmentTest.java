package dev.baton.nomad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AuthenticationException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Nomad CLI's own variables (issue 19 item 3), each from {@code OrchestratorConfig.environment}, against the double. */
class NomadEnvironmentTest {
    private NomadDouble nomad;

    @AfterEach
    void stop() {
        if (nomad != null) {
            nomad.shutdown();
        }
    }

    private static Orchestrator connect(Map<String, String> env) {
        return Orchestrators.connect(Target.parse("nomad://"), OrchestratorConfig.builder().environment(env)
                .requestTimeout(Duration.ofSeconds(10)).build());
    }

    @Test
    void nomadHttpAuthIsSentAsBasicAuthenticationOnEveryRequest() {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(Map.of("NOMAD_ADDR", "http://" + nomad.address(), "NOMAD_HTTP_AUTH", "ops:s3cr:et", "NOMAD_TOKEN", "t0k"))) {
            o.deploy(NomadBudgetTest.job()).await(Duration.ofSeconds(10));
            o.status("web");
        }
        String expected = "Basic " + Base64.getEncoder().encodeToString("ops:s3cr:et".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(nomad.requests).hasSizeGreaterThan(3).allSatisfy(e -> {
            assertThat(e.getRequest().getHeader("Authorization")).as(e.getRequest().getUrl()).isEqualTo(expected);
            assertThat(e.getRequest().getHeader("X-Nomad-Token")).isEqualTo("t0k");
        });
    }

    @Test
    void nomadSkipVerifyIsRefusedWithAClearMessageBeforeAnythingIsSent() {
        nomad = new NomadDouble();
        assertThatThrownBy(() -> connect(Map.of("NOMAD_ADDR", "http://" + nomad.address(), "NOMAD_SKIP_VERIFY", "true")))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("NOMAD_SKIP_VERIFY").hasMessageContaining("NOMAD_CACERT");
        assertThat(nomad.requests).isEmpty();
        // false, as the CLI parses it, is no request to skip anything
        try (Orchestrator o = connect(Map.of("NOMAD_ADDR", "http://" + nomad.address(), "NOMAD_SKIP_VERIFY", "false"))) {
            assertThat(o.list(dev.baton.Selector.all())).isEmpty();
        }
    }
}
