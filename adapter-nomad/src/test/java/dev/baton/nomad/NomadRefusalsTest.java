package dev.baton.nomad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Specs;
import dev.baton.Target;
import dev.baton.Unsupported;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.JobSpec;
import dev.baton.spi.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One portability check (issue 18, item 1): the capability check and the translator's structural rules are reported
 * together, all at once, and the same by plan, render and deploy, with nothing sent to Nomad.
 */
class NomadRefusalsTest {
    /**
     * A volume size (a capability Nomad lacks), update.delay on a service job, an exec check on Nomad's own service
     * provider, a published port other than the task's, memory below Nomad's 10 MB and a check interval below 1s.
     */
    private static final String SPEC = """
            apiVersion: baton/v1
            name: shop
            groups:
              - name: web
                count: 2
                tasks:
                  - name: server
                    image: nginx:1.27
                    resources: {memory: 8Mi}
                    ports: [{name: http, port: 8080}]
                    health:
                      - http: {port: http, path: /healthz}
                        interval: 500ms
                      - exec: {command: [cat, /srv/ready]}
                    volumes:
                      - {volume: data, mountPath: /var/lib/data}
                services:
                  - {name: shop, port: http, expose: published, publishedPort: 30080}
            volumes:
              - {name: data, size: 1Gi, access: single-host}
            update:
              delay: 10s
            """;

    private static final Set<String> EXPECTED = Set.of("volumes[0].size", "update.delay", "groups[0].tasks[0].health[1]",
            "groups[0].services[0].publishedPort", "groups[0].tasks[0].resources.memory", "groups[0].tasks[0].health[0].interval");

    private NomadDouble nomad;

    @AfterEach
    void stop() {
        if (nomad != null) {
            nomad.shutdown();
        }
    }

    private static Orchestrator connect(String address) {
        return Orchestrators.connect(Target.parse("nomad://" + address), OrchestratorConfig.builder().environment(Map.of())
                .requestTimeout(Duration.ofSeconds(10)).connectTimeout(Duration.ofSeconds(1))
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5))).build());
    }

    private static Set<String> paths(List<Unsupported> unsupported) {
        return unsupported.stream().map(Unsupported::path).collect(Collectors.toSet());
    }

    private static Set<String> thrown(Runnable call) {
        var out = new java.util.concurrent.atomic.AtomicReference<Set<String>>();
        assertThatThrownBy(call::run).isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> out.set(paths(e.unsupported())));
        return out.get();
    }

    @Test
    void planRenderAndDeployListEveryCapabilityAndStructuralRefusalAtOnceAndSendNothing() {
        JobSpec spec = Specs.read(SPEC);
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            Set<String> planned = paths(o.plan(spec).unsupported());
            assertThat(planned).isEqualTo(EXPECTED);
            assertThat(thrown(() -> o.render(spec))).isEqualTo(EXPECTED);
            assertThat(thrown(() -> o.deploy(spec))).isEqualTo(EXPECTED);
        }
        assertThat(nomad.requests).isEmpty();
    }

    /** The coverage finding: docs/spec.md's complete example showed only its volume size, the translator's three after it was removed. */
    @Test
    void theCompleteExampleOfTheSpecDocumentListsTheVolumeSizeAndTheTranslatorsRefusalsTogether() throws Exception {
        JobSpec example = Specs.read(NomadRegisterTest.completeExample());
        Set<String> four = Set.of("volumes[0].size", "update.delay", "groups[0].tasks[0].health[2]", "groups[0].services[0].publishedPort");
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            assertThat(paths(o.plan(example).unsupported())).containsAll(four);
            assertThat(thrown(() -> o.render(example))).containsAll(four).isEqualTo(paths(o.plan(example).unsupported()));
            assertThat(thrown(() -> o.deploy(example))).containsAll(four).isEqualTo(paths(o.plan(example).unsupported()));
        }
        assertThat(nomad.requests).isEmpty();
    }
}
