package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.PlatformUnavailableException;
import dev.baton.spi.RetryPolicy;
import dev.baton.Target;
import dev.baton.kubernetes.apiserver.ApiServerDispatcher;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter configured the way kubectl users configure it: kubeconfig contexts and their namespaces, or their own client. */
class KubernetesConfigTest {
    @TempDir
    Path dir;
    private KubernetesMockServer server;
    private KubernetesClient admin;

    static {
        MockCluster.MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    @BeforeEach
    void start() {
        server = ApiServerDispatcher.start(new ApiServerDispatcher());
        admin = server.createClient();
    }

    @AfterEach
    void stop() {
        System.clearProperty(Config.KUBERNETES_KUBECONFIG_FILE);
        admin.close();
        server.destroy();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private List<RecordedRequest> requests() throws InterruptedException {
        List<RecordedRequest> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            out.add(r);
        }
        return out;
    }

    private static dev.baton.model.JobSpec app(String name) {
        return KubernetesWorkloads.service(name, 1, KubernetesWorkloads.server(1).build(), null);
    }

    @Test
    void theCurrentContextsNamespaceIsWhereJobsGoAndANamedContextPicksItsOwn() throws Exception {
        Path kubeconfig = write("config", """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s"}}]
                users: [{name: dev, user: {token: dev-token}}]
                contexts:
                  - {name: team-a, context: {cluster: mock, user: dev, namespace: team-a}}
                  - {name: team-b, context: {cluster: mock, user: dev, namespace: team-b}}
                current-context: team-a
                """.formatted(url()));
        System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig.toString());

        try (Orchestrator o = Orchestrators.connect(Target.parse("kubernetes://"), OrchestratorConfig.defaults())) {
            o.deploy(app("shop"));
            assertThat(o.status("shop").namespace()).isEqualTo("team-a");
        }
        try (Orchestrator o = Orchestrators.connect(Target.parse("kubernetes://team-b"), OrchestratorConfig.defaults())) {
            o.deploy(app("cart"));
        }
        List<RecordedRequest> baton = requests();

        assertThat(admin.apps().deployments().inNamespace("team-a").withName("shop-web").get()).isNotNull();
        assertThat(admin.apps().deployments().inNamespace("team-b").withName("cart-web").get()).isNotNull();
        assertThat(admin.apps().deployments().inNamespace("default").list().getItems()).isEmpty();
        assertThat(baton).filteredOn(r -> r.getPath().contains("/deployments"))
                .isNotEmpty().allSatisfy(r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer dev-token"));
    }

    @Test
    void severalKubeconfigFilesAreMergedAsKubectlMergesThem() throws Exception {
        Path clusters = write("clusters", """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s"}}]
                users: [{name: dev, user: {token: t}}]
                """.formatted(url()));
        Path contexts = write("contexts", """
                apiVersion: v1
                kind: Config
                contexts: [{name: ops, context: {cluster: mock, user: dev, namespace: ops}}]
                current-context: ops
                """);
        System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, contexts + File.pathSeparator + clusters);

        try (Orchestrator o = Orchestrators.connect(Target.parse("kubernetes://"), OrchestratorConfig.defaults())) {
            o.deploy(app("merged"));
        }

        assertThat(admin.apps().deployments().inNamespace("ops").withName("merged-web").get()).isNotNull();
    }

    @Test
    void anApiServerUrlTakesItsTokenFromTheConfig() throws Exception {
        try (Orchestrator o = Orchestrators.connect(Target.parse("kubernetes://" + url()),
                OrchestratorConfig.builder().property("kubernetes.token", "s3cret-token").build())) {
            o.deploy(app("tokened"));
        }

        assertThat(requests()).filteredOn(r -> r.getPath().contains("/deployments"))
                .isNotEmpty().allSatisfy(r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer s3cret-token"));
    }

    @Test
    void anApplicationsOwnClientIsUsedAsGivenAndNotClosed() throws Exception {
        Config config = Config.empty();
        config.setMasterUrl(url());
        config.setNamespace("mine");
        config.setCustomHeaders(Map.of("X-Team", "payments"));
        try (KubernetesClient theirs = new KubernetesClientBuilder().withConfig(config).build()) {
            try (Orchestrator o = KubernetesOrchestrator.using(theirs)) {
                o.deploy(app("own"));
                assertThat(o.capabilities().platform()).isEqualTo("kubernetes");
            }

            assertThat(theirs.apps().deployments().inNamespace("mine").withName("own-web").get()).as("still open, and the job is in its namespace")
                    .isNotNull();
            assertThat(requests()).filteredOn(r -> r.getPath().contains("/namespaces/mine/deployments"))
                    .isNotEmpty().allSatisfy(r -> assertThat(r.getHeader("X-Team")).isEqualTo("payments"));
        }
    }

    /** Fails fast: one attempt, two seconds to connect. */
    private static OrchestratorConfig once() {
        return OrchestratorConfig.builder().retryPolicy(RetryPolicy.none()).connectTimeout(Duration.ofSeconds(2))
                .requestTimeout(Duration.ofSeconds(2)).build();
    }

    @Test
    void aClusterThatCannotBeReachedIsReportedWithTheKubeconfigContextUrlAndCause() throws Exception {
        Path kubeconfig = write("config", """
                apiVersion: v1
                kind: Config
                clusters: [{name: gone, cluster: {server: "http://127.0.0.1:1"}}]
                users: [{name: dev, user: {token: t}}]
                contexts: [{name: laptop, context: {cluster: gone, user: dev}}]
                current-context: laptop
                """);
        System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig.toString());

        try (Orchestrator o = Orchestrators.connect(Target.parse("kubernetes://"), once())) {
            assertThatThrownBy(() -> o.status("app")).isInstanceOfSatisfying(PlatformUnavailableException.class, e -> assertThat(e.getMessage())
                    .contains("kubeconfig " + kubeconfig)
                    .contains("context laptop")
                    .contains("http://127.0.0.1:1")
                    .containsIgnoringCase("connection refused")
                    .doesNotContain("Operation: [list]"));
            assertThatThrownBy(() -> o.list(dev.baton.Selector.all())).isInstanceOfSatisfying(PlatformUnavailableException.class,
                    e -> assertThat(e.getMessage()).contains("context laptop").containsIgnoringCase("connection refused"));
        }
    }

    @Test
    void withNoKubeconfigAndNoClusterAroundTheErrorSaysWhereItLookedAndWhatItTried() throws Exception {
        Assumptions.assumeTrue(System.getenv("KUBERNETES_SERVICE_HOST") == null, "runs outside a pod: in one, the in-cluster configuration is found");
        Path absent = dir.resolve("no-such-config");
        System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, absent.toString());

        try (Orchestrator o = Orchestrators.connect(Target.parse("kubernetes://"), once())) {
            assertThatThrownBy(() -> o.status("app")).isInstanceOfSatisfying(PlatformUnavailableException.class, e -> assertThat(e.getMessage())
                    .contains("no kubeconfig found at " + absent)
                    .contains("in-cluster not detected")
                    .contains("https://kubernetes.default.svc")
                    .contains("KUBECONFIG")
                    .doesNotContain("Operation: [list]")
                    .satisfies(m -> System.out.println("UNREACHABLE " + m)));
        }
    }
}
