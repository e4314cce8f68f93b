package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.model.JobSpec;
import dev.baton.plan.Plan;
import dev.baton.spi.CapabilityCheck;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OrchestratorsTest {

    private static final String SPEC = """
            apiVersion: baton/v1
            name: app
            groups:
              - name: web
                tasks:
                  - name: server
                    command: [server]
                    ports: [{name: http}]
                    health:
                      - http: {port: http}
                      - tcp: {port: http}
                        gracePeriod: 5s
                services: [{name: web, port: http, expose: published}]
            """;

    @BeforeEach
    void clear() {
        RecordingProvider.CALLS.clear();
    }

    @Test
    void aMissingProviderNamesTheArtifactToAdd() {
        assertThatThrownBy(() -> Orchestrators.connect("nomad://127.0.0.1:4646"))
                .isInstanceOf(UnsupportedCapabilityException.class)
                .hasMessageContaining("add the artifact dev.baton:baton-nomad");
        assertThatThrownBy(() -> Orchestrators.connect("ftp://x"))
                .hasMessageContaining("no provider supports the scheme ftp://");
    }

    @Test
    void providersAreFoundByScheme() {
        try (Orchestrator o = Orchestrators.connect("recording://")) {
            assertThat(o.platform().id()).isEqualTo("recording");
        }
        assertThat(Orchestrators.provider("recording")).isPresent();
    }

    @Test
    void unsupportedFieldsAreRefusedBeforeTheAdapterSeesThem() {
        JobSpec spec = Specs.read(SPEC);
        try (Orchestrator o = Orchestrators.connect("recording://")) {
            assertThatThrownBy(() -> o.deploy(spec))
                    .isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> {
                        assertThat(e.unsupported()).extracting(Unsupported::path).containsExactly(
                                "groups[0].tasks[0].health[1].tcp", "groups[0].services[0].expose");
                        assertThat(e.getMessage()).contains("groups[0].tasks[0].health[1].tcp: recording does not support tcp health checks");
                    });
            assertThatThrownBy(() -> o.render(spec)).isInstanceOf(UnsupportedCapabilityException.class);
        }
        assertThat(RecordingProvider.CALLS).isEmpty();
    }

    @Test
    void planRenderAndDeployRefuseTheSameCompleteListCapabilitiesAndTheAdaptersOwnRulesTogether() {
        JobSpec spec = Specs.read(SPEC).withCount("web", 6);
        List<String> expected = List.of("groups[0].tasks[0].health[1].tcp", "groups[0].services[0].expose", "groups[0].count");
        try (Orchestrator o = Orchestrators.connect("recording://")) {
            Plan plan = o.plan(spec);
            Throwable render = org.assertj.core.api.Assertions.catchThrowable(() -> o.render(spec));
            Throwable deploy = org.assertj.core.api.Assertions.catchThrowable(() -> o.deploy(spec));

            assertThat(plan.unsupported()).extracting(Unsupported::path).containsExactlyElementsOf(expected);
            assertThat(((UnsupportedCapabilityException) render).unsupported()).extracting(Unsupported::path).containsExactlyElementsOf(expected);
            assertThat(((UnsupportedCapabilityException) deploy).unsupported()).extracting(Unsupported::path).containsExactlyElementsOf(expected);
            assertThat(plan.changes()).isEmpty();
        }
        assertThat(RecordingProvider.CALLS).isEmpty();
    }

    @Test
    void aBestEffortDeployDropsWhatTheTargetCannotHonour() {
        JobSpec spec = Specs.read(SPEC);
        try (Orchestrator o = Orchestrators.connect("recording://")) {
            o.deploy(spec, DeployOptions.DEFAULT.withBestEffort(true));
            Plan plan = o.plan(spec);

            assertThat(plan.unsupported()).hasSize(2);
            assertThat(plan.warnings()).containsExactly(
                    "dropped groups[0].tasks[0].health[1].tcp: recording does not support tcp health checks",
                    "dropped groups[0].services[0].expose: recording does not support published services");
        }
        assertThat(RecordingProvider.CALLS).hasSize(2);
        assertThat(RecordingProvider.CALLS.get(0)).doesNotContain("\"tcp\"").doesNotContain("services").contains("\"http\"");
    }

    @Test
    void whatCannotBeDroppedIsRefusedEvenInBestEffort() {
        JobSpec cron = Specs.read(SPEC.replace("name: app", "name: app\ntype: cron\nschedule: \"* * * * *\""));

        CapabilityCheck.Report report = CapabilityCheck.check(cron, RecordingProvider.CAPS);

        assertThat(report.allDroppable()).isFalse();
        assertThat(report.unsupported().get(0).toString()).isEqualTo("type: recording does not support cron jobs (recording has no clock)");
        try (Orchestrator o = Orchestrators.connect("recording://")) {
            assertThatThrownBy(() -> o.deploy(cron, DeployOptions.DEFAULT.withBestEffort(true)))
                    .isInstanceOf(UnsupportedCapabilityException.class);
        }
        assertThat(RecordingProvider.CALLS).isEmpty();
    }

    @Test
    void invalidSpecsNeverReachTheAdapter() {
        JobSpec bad = Specs.read(SPEC).toBuilder().name("BAD").build();
        try (Orchestrator o = Orchestrators.connect("recording://")) {
            assertThatThrownBy(() -> o.plan(bad)).isInstanceOf(InvalidSpecException.class);
            assertThatThrownBy(() -> o.scale("app", "web", -1)).isInstanceOf(InvalidSpecException.class);
        }
        assertThat(RecordingProvider.CALLS).isEmpty();
    }
}
