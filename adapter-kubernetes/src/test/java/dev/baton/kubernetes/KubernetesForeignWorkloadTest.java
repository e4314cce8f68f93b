package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.Selector;
import dev.baton.status.JobSummary;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Workloads Baton did not create (no {@code baton.dev/spec} annotation) in the namespace of its jobs, as {@code kubectl
 * create deployment} leaves them: not shown as jobs, not removed (issue 17, item 3). They are created with the
 * fixture's own client, whose requests {@link RequestLog} leaves out, so every request logged is the orchestrator's.
 */
class KubernetesForeignWorkloadTest {
    private MockCluster cluster;
    private RequestLog log;
    private Orchestrator o;

    @BeforeEach
    void start() throws Exception {
        cluster = new MockCluster();
        log = new RequestLog(cluster.server);
        o = cluster.connect();
        log.clear();
    }

    @AfterEach
    void stop() {
        o.close();
        cluster.close();
    }

    /** A Deployment as {@code kubectl create deployment NAME --image=nginx} makes it, with {@code labels} added. */
    private void foreignDeployment(String name, Map<String, String> labels) {
        Deployment d = new DeploymentBuilder().withNewMetadata().withName(name).withNamespace("default")
                .addToLabels("app", name).addToLabels(labels).endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).addToLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("nginx").withImage("nginx").endContainer().endSpec()
                .endTemplate().endSpec().build();
        cluster.client.apps().deployments().inNamespace("default").resource(d).create();
    }

    private boolean exists(String deployment) {
        return cluster.client.apps().deployments().inNamespace("default").withName(deployment).get() != null;
    }

    @Test
    void aDeploymentNamedLikeAJobThatBatonDidNotCreateIsNeitherShownNorRemoved() throws Exception {
        foreignDeployment("legacy", Map.of());
        o.deploy(new KubernetesWorkloads(null).healthyService("shop", 1, 1));
        log.clear();

        assertThatThrownBy(() -> o.status("legacy")).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("legacy").hasMessageContaining("exists").hasMessageContaining("not managed by Baton")
                .hasMessageContaining("Deployment legacy carries no baton.dev/spec annotation");
        assertThatThrownBy(() -> o.undeploy("legacy")).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("not managed by Baton").hasMessageContaining("not removed");
        assertThat(o.list(Selector.all())).extracting(JobSummary::jobId).containsExactly("shop");
        assertThatThrownBy(() -> o.status("absent")).isInstanceOf(NotFoundException.class).hasMessage("job absent not found on kubernetes");

        assertThat(RequestLog.writes(log.take())).as("nothing written, nothing deleted").isEmpty();
        assertThat(exists("legacy")).isTrue();
    }

    @Test
    void aWorkloadWithTheJobsLabelButNoStoredSpecIsNotTheJobsToShowOrRemove() throws Exception {
        // someone copied Baton's label onto their own Deployment: the label alone does not make it Baton's
        foreignDeployment("copied-web", Map.of("baton.dev/job", "copied"));
        log.clear();

        assertThatThrownBy(() -> o.status("copied")).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("exists").hasMessageContaining("not managed by Baton").hasMessageContaining("baton.dev/spec");
        assertThatThrownBy(() -> o.undeploy("copied")).isInstanceOf(NotFoundException.class).hasMessageContaining("not removed");
        assertThat(o.list(Selector.all())).isEmpty();

        assertThat(RequestLog.writes(log.take())).isEmpty();
        assertThat(exists("copied-web")).isTrue();
    }

    @Test
    void undeployRemovesOnlyWhatBatonCreatedWhenAForeignWorkloadCarriesTheJobsLabel() throws Exception {
        o.deploy(new KubernetesWorkloads(null).healthyService("shop", 1, 1));
        foreignDeployment("shop-admin", Map.of("baton.dev/job", "shop"));
        log.clear();

        o.undeploy("shop");

        assertThat(RequestLog.writes(log.take())).containsExactly(
                "DELETE /apis/apps/v1/namespaces/default/deployments/shop-web",
                "DELETE /api/v1/namespaces/default/services/shop");
        assertThat(exists("shop-admin")).isTrue();
    }
}
