package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.model.JobSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.status.Endpoint;
import dev.baton.status.Host;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A manager's {@code Status.Addr} is the address its own agent registered from, which swarmkit takes from the
 * manager's advertise address or, without one, its listen address ({@code 0.0.0.0:2377} by default), or
 * {@code 127.0.0.1} (moby/swarmkit {@code manager/manager.go handleRequestLocally},
 * {@code manager/dispatcher/dispatcher.go nodeIPFromContext}); its {@code ManagerStatus.Addr} is where the other
 * managers reach it. Hosts, instance addresses and endpoints use the latter's host when the former is unusable.
 */
class NodeAddressTest {
    private static final String JOB = "shop";
    private final EngineDouble engine = new EngineDouble();

    @AfterEach
    void stop() {
        engine.close();
    }

    @Test
    void theRule() {
        assertThat(SwarmOrchestrator.nodeAddress("10.0.0.12", null)).isEqualTo("10.0.0.12");
        assertThat(SwarmOrchestrator.nodeAddress("0.0.0.0", "10.0.0.11:2377")).isEqualTo("10.0.0.11");
        assertThat(SwarmOrchestrator.nodeAddress("127.0.0.1", "192.168.1.4:2377")).isEqualTo("192.168.1.4");
        assertThat(SwarmOrchestrator.nodeAddress("0.0.0.0", "[fd00::11]:2377")).isEqualTo("fd00::11");
        assertThat(SwarmOrchestrator.nodeAddress("::", "[fd00::11]:2377")).isEqualTo("fd00::11");
        // a single-node swarm advertised on loopback: loopback is all there is
        assertThat(SwarmOrchestrator.nodeAddress("127.0.0.1", "127.0.0.1:2377")).isEqualTo("127.0.0.1");
        assertThat(SwarmOrchestrator.nodeAddress("10.0.0.11", "10.0.0.11:2377")).isEqualTo("10.0.0.11");
    }

    @Test
    void hostsInstancesAndEndpointsUseTheManagersAddressWhenItsStatusAddressIsUnspecified() {
        JobSpec base = new SwarmWorkloads().healthyService(JOB, 1, 1);
        // published through the routing mesh on 8080, and not on the host's network
        JobSpec spec = base.toBuilder().extensions(dev.baton.model.Extensions.NONE)
                .groups(java.util.List.of(base.groups().get(0).toBuilder()
                        .services(java.util.List.of(ServiceSpec.published("shop-web", "http", 8080))).build())).build();
        ObjectNode service = SwarmShapes.service("svc1", spec, 11);
        service.putObject("Endpoint").putArray("Ports").addObject().put("Protocol", "tcp").put("TargetPort", SwarmWorkloads.port(JOB))
                .put("PublishedPort", 8080).put("PublishMode", "ingress");
        engine.on("GET", "/nodes", r -> EngineDouble.Reply.json(SwarmShapes.array(
                        SwarmShapes.node("n1", "manager", "0.0.0.0", "10.0.0.11:2377"),
                        SwarmShapes.node("n2", "worker", "10.0.0.12", null))))
                .on("GET", "/services", r -> EngineDouble.Reply.json(SwarmShapes.array(service)))
                .on("GET", "/tasks", r -> EngineDouble.Reply.json(SwarmShapes.array(
                        SwarmShapes.task("t1", "svc1", "n1", spec, "running", "running", Instant.now().minusSeconds(60)))));

        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            assertThat(swarm.hosts()).extracting(Host::name, Host::address)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("manager", "10.0.0.11"), org.assertj.core.groups.Tuple.tuple("worker", "10.0.0.12"));
            assertThat(swarm.status(JOB).instances()).singleElement().satisfies(i -> assertThat(i.address()).isEqualTo("10.0.0.11"));
            assertThat(swarm.endpoints("shop-web")).extracting(Endpoint::address, Endpoint::port)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("10.0.0.11", 8080), org.assertj.core.groups.Tuple.tuple("10.0.0.12", 8080));
        }
    }
}
