package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AuthenticationException;
import dev.baton.ConflictException;
import dev.baton.InvalidSpecException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.PlatformException;
import dev.baton.PlatformUnavailableException;
import dev.baton.SecretData;
import dev.baton.SecretsFacet;
import dev.baton.Target;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.JobSpec;
import dev.baton.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import dev.baton.kubernetes.apiserver.ApiServerDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The exact requests a deploy sends, and how the API server's failures reach the caller. */
class KubernetesRequestsTest {
    private KubernetesMockServer server;

    static {
        MockCluster.MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.destroy();
        }
    }

    private Orchestrator connect(KubernetesMockServer s) {
        return Orchestrators.connect(Target.parse("kubernetes://http://127.0.0.1:" + s.getPort()),
                OrchestratorConfig.builder().namespace("default").requestTimeout(Duration.ofSeconds(5)).build());
    }

    private List<RecordedRequest> drain() throws InterruptedException {
        List<RecordedRequest> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            out.add(r);
        }
        return out;
    }

    private static List<String> writes(List<RecordedRequest> requests) {
        return requests.stream().filter(r -> !r.getMethod().equals("GET")).map(r -> r.getMethod() + " " + r.getPath()).toList();
    }

    private static JobSpec service() {
        return new KubernetesWorkloads(null).healthyService("app", 2, 1);
    }

    @Test
    void aFirstDeployOfOneGroupAndOneServiceIsTwoWritesAndARedeployIsNone() throws Exception {
        server = ApiServerDispatcher.start(new ApiServerDispatcher());
        try (Orchestrator o = connect(server)) {
            var first = o.deploy(service());
            List<String> firstWrites = writes(drain());
            var again = o.deploy(service());
            List<String> secondWrites = writes(drain());

            assertThat(first.changed()).isTrue();
            // one server-side apply per rendered object
            assertThat(firstWrites).containsExactly(
                    "PATCH /apis/apps/v1/namespaces/default/deployments/app-web?fieldManager=baton",
                    "PATCH /api/v1/namespaces/default/services/app?fieldManager=baton");
            assertThat(again.changed()).isFalse();
            assertThat(secondWrites).isEmpty();

            var scaled = o.deploy(service().withCount("web", 3));
            assertThat(scaled.changed()).isTrue();
            assertThat(writes(drain())).containsExactly("PATCH /apis/apps/v1/namespaces/default/deployments/app-web?fieldManager=baton");
        }
    }

    /**
     * A server on which the job has no Deployment yet (the deploy's one read, its list by the job's label, is answered
     * with an empty list, as an API server answers it) and which answers the apply of the Deployment with a failure.
     */
    private void failingCreate(int code, io.fabric8.kubernetes.api.model.Status status) {
        server = new KubernetesMockServer(false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        server.expect().get().withPath("/apis/apps/v1/namespaces/default/deployments?labelSelector=baton.dev%2Fjob%3Dapp")
                .andReturn(200, new io.fabric8.kubernetes.api.model.apps.DeploymentListBuilder()
                        .withMetadata(new io.fabric8.kubernetes.api.model.ListMetaBuilder().withResourceVersion("1").build()).build()).always();
        server.expect().patch().withPath("/apis/apps/v1/namespaces/default/deployments/app-web?fieldManager=baton").andReturn(code, status).always();
    }

    @Test
    void aConflictIsAConflictException() {
        failingCreate(409, new StatusBuilder().withCode(409).withReason("AlreadyExists")
                .withMessage("deployments.apps \"app-web\" already exists").build());
        try (Orchestrator o = connect(server)) {
            assertThatThrownBy(() -> o.deploy(service())).isInstanceOf(ConflictException.class)
                    .hasMessageContaining("deployments.apps \"app-web\" already exists");
        }
    }

    @Test
    void anInvalidObjectNamesEachFieldTheServerRejected() {
        failingCreate(422, new StatusBuilder().withCode(422).withReason("Invalid").withMessage("Deployment.apps \"app-web\" is invalid")
                .withNewDetails().addNewCause().withField("spec.template.spec.containers[0].image").withMessage("Required value")
                .withReason("FieldValueRequired").endCause().endDetails().build());
        try (Orchestrator o = connect(server)) {
            assertThatThrownBy(() -> o.deploy(service())).isInstanceOfSatisfying(InvalidSpecException.class, e ->
                    assertThat(e.violations()).extracting(Object::toString)
                            .containsExactly("spec.template.spec.containers[0].image: Required value"));
        }
    }

    @Test
    void aForbiddenRequestIsAnAuthenticationException() {
        failingCreate(403, new StatusBuilder().withCode(403).withReason("Forbidden")
                .withMessage("deployments.apps is forbidden: User \"ci\" cannot create resource").build());
        try (Orchestrator o = connect(server)) {
            assertThatThrownBy(() -> o.deploy(service())).isInstanceOf(AuthenticationException.class)
                    .hasMessageContaining("cannot create resource");
        }
    }

    @Test
    void aServerErrorKeepsTheStatusAndMessage() {
        failingCreate(500, new StatusBuilder().withCode(500).withMessage("etcdserver: request timed out").build());
        try (Orchestrator o = connect(server)) {
            assertThatThrownBy(() -> o.deploy(service())).isInstanceOfSatisfying(PlatformException.class, e -> {
                assertThat(e.status()).hasValue(500);
                assertThat(e.getMessage()).contains("etcdserver: request timed out");
            });
        }
    }

    @Test
    void anUnreachableServerIsPlatformUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (Orchestrator o = Orchestrators.connect(Target.parse("kubernetes://http://127.0.0.1:" + port),
                OrchestratorConfig.builder().namespace("default").connectTimeout(Duration.ofSeconds(2))
                        .requestTimeout(Duration.ofSeconds(2)).build())) {
            assertThatThrownBy(() -> o.status("app")).isInstanceOf(PlatformUnavailableException.class);
        }
    }

    @Test
    void aPublishedPortOutsideTheNodePortRangeIsRefusedBeforeAnythingIsSent() throws Exception {
        server = new KubernetesMockServer(false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        JobSpec spec = service().withGroup("web", g -> g.toBuilder().services(List.of(ServiceSpec.published("app", "http", 8080))).build());
        try (Orchestrator o = connect(server)) {
            assertThatThrownBy(() -> o.deploy(spec)).isInstanceOf(UnsupportedCapabilityException.class)
                    .hasMessageContaining("groups[0].services[0].publishedPort")
                    .hasMessageContaining("node port range 30000-32767");
        }
        assertThat(drain()).isEmpty();
    }

    @Test
    void aSecretWhoseNameOrKeyBreaksTheRuleIsRefusedBeforeAnythingIsSent() throws Exception {
        server = ApiServerDispatcher.start(new ApiServerDispatcher());
        try (Orchestrator o = connect(server)) {
            SecretsFacet secrets = o.facet(SecretsFacet.class).orElseThrow();

            assertThatThrownBy(() -> secrets.put("../x", SecretData.of("password", "v"))).isInstanceOfSatisfying(InvalidSpecException.class,
                    e -> assertThat(e.violations()).extracting(v -> v.path()).containsExactly("name"));
            assertThatThrownBy(() -> secrets.put("db", SecretData.of("../../supervisor.json", "v"))).isInstanceOfSatisfying(
                    InvalidSpecException.class, e -> assertThat(e.violations()).extracting(v -> v.path()).containsExactly("keys"));
            assertThatThrownBy(() -> secrets.put("db", SecretData.of("..", "v"))).isInstanceOf(InvalidSpecException.class);
            assertThatThrownBy(() -> secrets.delete("../x")).isInstanceOf(InvalidSpecException.class);
            assertThat(drain()).isEmpty();

            // the same calls with valid names and keys do reach the server
            secrets.put("db", SecretData.of("tls.crt", "v"));
            assertThat(writes(drain())).containsExactly("POST /api/v1/namespaces/default/secrets");
        }
    }

    @Test
    void logsAreTheLastLinesOfEveryContainerOfTheJobsPods() {
        server = new KubernetesMockServer(false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        var pod = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("app-web-1").withNamespace("default")
                .addToLabels("baton.dev/job", "app").endMetadata()
                .withNewSpec().addNewContainer().withName("server").withImage("x").endContainer().endSpec().build();
        server.expect().get().withPath("/api/v1/namespaces/default/pods?labelSelector=baton.dev%2Fjob%3Dapp")
                .andReturn(200, new io.fabric8.kubernetes.api.model.PodListBuilder().addToItems(pod).build()).always();
        server.expect().get().withPath("/api/v1/namespaces/default/pods/app-web-1/log?pretty=false&container=server&tailLines=2")
                .andReturn(200, "second\nthird\n").always();
        try (Orchestrator o = connect(server)) {
            var lines = o.facet(dev.baton.LogsFacet.class).orElseThrow().logs("app", 2);

            assertThat(lines).extracting(Object::toString).containsExactly("[app-web-1.server] second", "[app-web-1.server] third");
        }
    }

    @Test
    void planIsAServerSideDryRunThatStoresNothing() throws Exception {
        server = ApiServerDispatcher.start(new ApiServerDispatcher());
        try (Orchestrator o = connect(server)) {
            var created = o.plan(service());
            List<RecordedRequest> first = drain();
            o.deploy(service());
            drain();
            var changed = o.plan(service().withCount("web", 5));
            List<RecordedRequest> second = drain();

            assertThat(created.changes()).extracting(c -> c.action()).containsOnly(dev.baton.plan.Change.Action.CREATE);
            assertThat(writes(first)).containsExactly(
                    "PATCH /apis/apps/v1/namespaces/default/deployments/app-web?fieldManager=baton&dryRun=All",
                    "PATCH /api/v1/namespaces/default/services/app?fieldManager=baton&dryRun=All");
            assertThat(writes(second)).containsExactly("PATCH /apis/apps/v1/namespaces/default/deployments/app-web?fieldManager=baton&dryRun=All");
            assertThat(changed.changes().get(0).fields()).extracting(Object::toString).contains("spec.replicas: 2 -> 5");
            assertThat(o.status("app").groups().get(0).desired()).isEqualTo(2);
        }
    }

    @Test
    void scaleAndUndeployPinTheirWrites() throws Exception {
        server = ApiServerDispatcher.start(new ApiServerDispatcher());
        try (Orchestrator o = connect(server)) {
            o.deploy(service());
            drain();

            o.scale("app", "web", 4);
            List<String> scale = writes(drain());
            o.undeploy("app");
            List<RecordedRequest> undeployRequests = drain();
            List<String> undeploy = writes(undeployRequests);

            assertThat(scale).containsExactly("PATCH /apis/apps/v1/namespaces/default/deployments/app-web?fieldManager=baton");
            // one delete per object Baton created; the ReplicaSets and pods are the garbage collector's (propagation Background)
            assertThat(undeploy).containsExactly(
                    "DELETE /apis/apps/v1/namespaces/default/deployments/app-web",
                    "DELETE /api/v1/namespaces/default/services/app");
            assertThat(undeployRequests).filteredOn(r -> r.getMethod().equals("DELETE"))
                    .allSatisfy(r -> assertThat(r.getUtf8Body()).contains("\"propagationPolicy\":\"Background\""));
            assertThatThrownBy(() -> o.status("app")).isInstanceOf(dev.baton.NotFoundException.class);
        }
    }
}
