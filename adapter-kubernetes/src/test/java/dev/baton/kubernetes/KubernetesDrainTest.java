package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.ConflictException;
import dev.baton.HostMaintenanceFacet;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Drain cordons the node and evicts its pods through the Eviction API, leaving DaemonSet pods; activate uncordons.
 * The API server is in expectation mode here: the CRUD mock neither filters pods by node nor carries out evictions.
 */
class KubernetesDrainTest {
    static {
        MockCluster.MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private KubernetesMockServer server;

    static Pod pod(String name, String ownerKind) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNodeName("node-1").addNewContainer().withName("c").withImage("x").endContainer().endSpec();
        if (ownerKind != null) {
            b.editMetadata().addNewOwnerReference().withKind(ownerKind).withName("owner").withApiVersion("apps/v1").withUid("u")
                    .endOwnerReference().endMetadata();
        }
        return b.build();
    }

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        Node node = new NodeBuilder().withNewMetadata().withName("node-1").endMetadata().withNewSpec().endSpec().build();
        server.expect().get().withPath("/api/v1/nodes/node-1").andReturn(200, node).always();
        server.expect().patch().withPath("/api/v1/nodes/node-1").andReturn(200, node).always();
        server.expect().get().withPath("/api/v1/pods")
                .andReturn(200, new PodListBuilder().addToItems(pod("plain", "ReplicaSet"), pod("daemon", "DaemonSet"), pod("other", null))
                        .editItem(2).editSpec().withNodeName("node-2").endSpec().endItem().build()).always();
    }

    @AfterEach
    void stop() {
        server.destroy();
    }

    private Orchestrator connect() {
        return Orchestrators.connect(Target.parse("kubernetes://http://127.0.0.1:" + server.getPort()),
                OrchestratorConfig.builder().namespace("default").requestTimeout(Duration.ofSeconds(5)).build());
    }

    private List<String> requests() throws InterruptedException {
        List<String> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            out.add(r.getMethod() + " " + r.getPath() + (r.getMethod().equals("PATCH") ? " " + r.getUtf8Body() : ""));
        }
        return out;
    }

    @Test
    void drainCordonsAndEvictsTheNodesPodsButNotDaemonSetPods() throws Exception {
        server.expect().post().withPath("/api/v1/namespaces/default/pods/plain/eviction")
                .andReturn(201, new StatusBuilder().withStatus("Success").withCode(201).build()).always();
        try (Orchestrator o = connect()) {
            o.facet(HostMaintenanceFacet.class).orElseThrow().drain("node-1", Duration.ofMinutes(1), true);
        }
        List<String> writes = requests().stream().filter(r -> !r.startsWith("GET")).toList();

        assertThat(writes).hasSize(2);
        assertThat(writes.get(0)).startsWith("PATCH /api/v1/nodes/node-1").contains("unschedulable").contains("true");
        assertThat(writes.get(1)).isEqualTo("POST /api/v1/namespaces/default/pods/plain/eviction");
    }

    @Test
    void anEvictionABudgetBlocksPastTheDeadlineIsAConflict() {
        server.expect().post().withPath("/api/v1/namespaces/default/pods/plain/eviction")
                .andReturn(429, new StatusBuilder().withCode(429).withMessage("Cannot evict pod as it would violate the pod's disruption budget.").build())
                .always();
        try (Orchestrator o = connect()) {
            assertThatThrownBy(() -> o.facet(HostMaintenanceFacet.class).orElseThrow().drain("node-1", Duration.ofMillis(1), true))
                    .isInstanceOf(ConflictException.class).hasMessageContaining("PodDisruptionBudget");
        }
    }

    @Test
    void activateUncordons() throws Exception {
        try (Orchestrator o = connect()) {
            o.facet(HostMaintenanceFacet.class).orElseThrow().activate("node-1");
        }
        assertThat(requests()).anyMatch(r -> r.startsWith("PATCH /api/v1/nodes/node-1") && r.contains("false"));
    }
}
