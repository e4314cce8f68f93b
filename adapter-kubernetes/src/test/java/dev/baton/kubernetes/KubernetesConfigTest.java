package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
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
}
