package dev.baton.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.baton.Specs;
import dev.baton.Unsupported;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.JobSpec;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 1: the adapter states every structural rule of its translation through {@code SpecRefusals}, so that
 * plan, render and deploy list the same complete set of refused paths in one run, and nothing reaches Marathon.
 */
class MarathonRefusalsTest extends OnTheDouble {

    /**
     * Five rules of the translation broken at once, and one capability: two checks on an app task, a port number used
     * for two protocols, a pod check whose timeout is not below its interval, a volume without a size, a volume shared
     * by two groups (two apps), and a restart policy Marathon does not have (refused by the capabilities and by the
     * translation alike, listed once).
     */
    private static final JobSpec SPEC = Specs.read("""
            apiVersion: baton/v1
            name: shop
            groups:
              - name: web
                tasks:
                  - name: server
                    command: [/srv/web]
                    ports: [{name: http, port: 8080}, {name: stats, port: 8080, protocol: udp}]
                    health: [{http: {port: http, path: /healthz}}, {tcp: {port: http}}]
                    volumes: [{volume: cache, mountPath: /cache}, {volume: shared, mountPath: /shared}]
                restart: {policy: on-failure}
              - name: worker
                tasks:
                  - name: a
                    command: [/srv/a]
                    ports: [{name: admin}]
                    health: [{tcp: {port: admin}, interval: 1s, timeout: 1s}]
                    volumes: [{volume: shared, mountPath: /shared}]
                  - name: b
                    command: [/srv/b]
            volumes: [{name: cache}, {name: shared, size: 1Gi}]
            """);

    private static Set<String> paths(List<Unsupported> unsupported) {
        return unsupported.stream().map(Unsupported::path).collect(Collectors.toSet());
    }

    @Test
    void everyStructuralRefusalIsListedAtOnceAndTheSameByPlanRenderAndDeploy() {
        Set<String> expected = Set.of("groups[0].tasks[0].health[1]", "groups[0].tasks[0].ports[1].port",
                "groups[1].tasks[0].health[0].timeout", "volumes[0].size", "volumes[1]", "groups[0].restart.policy");

        Set<String> planned = paths(o.plan(SPEC).unsupported());
        var rendered = catchThrowableOfType(UnsupportedCapabilityException.class, () -> o.render(SPEC));
        var deployed = catchThrowableOfType(UnsupportedCapabilityException.class, () -> o.deploy(SPEC));

        assertThat(planned).isEqualTo(expected);
        assertThat(paths(rendered.unsupported())).isEqualTo(expected);
        assertThat(paths(deployed.unsupported())).isEqualTo(expected);
        assertThat(deployed.unsupported()).as("each listed once").hasSize(expected.size());
        assertThat(marathon.server.getAllServeEvents()).as("what reached Marathon").isEmpty();
        assertThat(marathon.eventRequests).as("no event stream either").isEmpty();
    }

    @Test
    void theOrchestratorItselfStatesTheTranslationsRefusalsWithoutThrowing() {
        MarathonOrchestrator marathonOrchestrator = o.facet(MarathonOrchestrator.class).orElseThrow();
        assertThat(paths(marathonOrchestrator.refusals(SPEC))).containsExactlyInAnyOrder("groups[0].tasks[0].health[1]",
                "groups[0].tasks[0].ports[1].port", "groups[1].tasks[0].health[0].timeout", "volumes[0].size", "volumes[1]",
                "groups[0].restart.policy");
        assertThat(marathonOrchestrator.refusals(MarathonReadTest.web(1))).isEmpty();
    }
}
