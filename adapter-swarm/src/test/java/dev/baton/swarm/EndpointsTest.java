package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.model.Extensions;
import dev.baton.model.JobSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.status.Endpoint;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Internal endpoints are on the network the portable service is attached to. The engine lists one virtual IP per
 * network a service is on, each with its {@code NetworkID} (swagger {@code ServiceEndpoint.VirtualIPs}), the ingress
 * network's among them when the service also publishes a port; it stores {@code TaskTemplate.Networks[].Target} as the
 * network's id (moby {@code daemon/cluster/networks.go populateNetworkID}). In {@code dnsrr} mode a service has no
 * virtual IP: its tasks' own addresses ({@code NetworksAttachments[].Addresses}) are where it answers.
 */
class EndpointsTest {
    private static final String JOB = "shop";
    private static final String JOB_NETWORK = "k8v0m2gq1tqxy8rj5n3w0abcd";
    private static final String INGRESS = "nl0se0gyifef4j5mi8hcreo18";
    private final EngineDouble engine = new EngineDouble();

    @AfterEach
    void stop() {
        engine.close();
    }

    /** The contract workload on the job's overlay network (not the host's), internal {@code shop} and published {@code shop-pub}. */
    private static JobSpec spec(Map<String, Object> swarmExtension) {
        JobSpec base = new SwarmWorkloads().healthyService(JOB, 2, 1);
        JobSpec spec = base.toBuilder().extensions(Extensions.NONE).groups(List.of(base.groups().get(0).toBuilder()
                .services(List.of(ServiceSpec.internal("shop", "http"), ServiceSpec.published("shop-pub", "http", 8080))).build())).build();
        return swarmExtension == null ? spec : spec.toBuilder().extension("swarm", swarmExtension).build();
    }

    /** The service as the engine shows it: network targets as ids, virtual IPs on ingress and the job's network. */
    private static ObjectNode asTheEngineShowsIt(JobSpec spec, boolean vip) {
        ObjectNode s = SwarmShapes.service("svc1", spec, 11);
        ((ObjectNode) s.path("Spec").path("TaskTemplate").path("Networks").get(0)).put("Target", JOB_NETWORK);
        ObjectNode endpoint = s.putObject("Endpoint");
        endpoint.set("Spec", s.path("Spec").path("EndpointSpec").deepCopy());
        endpoint.putArray("Ports").addObject().put("Protocol", "tcp").put("TargetPort", SwarmWorkloads.port(JOB)).put("PublishedPort", 8080)
                .put("PublishMode", "ingress");
        if (vip) {
            ArrayNode vips = endpoint.putArray("VirtualIPs");
            vips.addObject().put("NetworkID", INGRESS).put("Addr", "10.0.0.5/24");
            vips.addObject().put("NetworkID", JOB_NETWORK).put("Addr", "10.0.1.2/24");
        }
        return s;
    }

    private static ObjectNode attached(ObjectNode task, String ingress, String own) {
        ArrayNode a = task.putArray("NetworksAttachments");
        ObjectNode i = a.addObject();
        i.putObject("Network").put("ID", INGRESS).putObject("Spec").put("Name", "ingress");
        i.putArray("Addresses").add(ingress);
        ObjectNode j = a.addObject();
        j.putObject("Network").put("ID", JOB_NETWORK).putObject("Spec").put("Name", "shop_default");
        j.putArray("Addresses").add(own);
        return task;
    }

    @Test
    void aVirtualIpEndpointIsTheOneOnTheServicesOwnNetworkNotTheIngressOne() {
        JobSpec spec = spec(null);
        engine.on("GET", "/services", r -> EngineDouble.Reply.json(SwarmShapes.array(asTheEngineShowsIt(spec, true))));
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            assertThat(swarm.endpoints("shop")).extracting(Endpoint::address, Endpoint::port)
                    .containsExactly(tuple("10.0.1.2", SwarmWorkloads.port(JOB)));
        }
    }

    @Test
    void inDnsRoundRobinModeTheEndpointsAreTheRunningTasksOwnAddressesOnThatNetwork() {
        JobSpec spec = spec(Map.of("EndpointSpec", Map.of("Mode", "dnsrr")));
        Instant at = Instant.now().minusSeconds(60);
        engine.on("GET", "/services", r -> EngineDouble.Reply.json(SwarmShapes.array(asTheEngineShowsIt(spec, false))))
                .on("GET", "/tasks", r -> {
                    assertThat(r.query().get("filters")).contains("svc1").contains("\"desired-state\":{\"running\":true}");
                    return EngineDouble.Reply.json(SwarmShapes.array(
                            attached(SwarmShapes.task("t1", "svc1", "n1", spec, "running", "running", at), "10.0.0.7/24", "10.0.1.3/24"),
                            attached(SwarmShapes.task("t2", "svc1", "n2", spec, "running", "running", at), "10.0.0.8/24", "10.0.1.4/24"),
                            attached(SwarmShapes.task("t3", "svc1", "n3", spec, "starting", "running", at), "10.0.0.9/24", "10.0.1.5/24")));
                });
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            assertThat(swarm.endpoints("shop")).extracting(Endpoint::instanceId, Endpoint::address, Endpoint::port)
                    .containsExactlyInAnyOrder(tuple("t1", "10.0.1.3", SwarmWorkloads.port(JOB)), tuple("t2", "10.0.1.4", SwarmWorkloads.port(JOB)));
        }
    }
}
