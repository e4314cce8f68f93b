package dev.baton.kubernetes.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each rule of {@link ApiServerDispatcher}, driven through a plain fabric8 client (and raw HTTP where fabric8 would hide it). */
class ApiServerDispatcherTest {
    private static final String NS = "default";
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    }

    private ApiServerDispatcher dispatcher;
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        dispatcher = new ApiServerDispatcher();
        server = ApiServerDispatcher.start(dispatcher);
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    private static Deployment deployment(int replicas, String image) {
        return new DeploymentBuilder().withNewMetadata().withName("web").withNamespace(NS).addToLabels("app", "web").endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage(image).addNewPort().withContainerPort(8080).endPort().endContainer()
                .endSpec().endTemplate().endSpec().build();
    }

    private Deployment apply(Deployment d, String manager) {
        return client.apps().deployments().inNamespace(NS).resource(d).fieldManager(manager).serverSideApply();
    }

    private Deployment live() {
        return client.apps().deployments().inNamespace(NS).withName("web").get();
    }

    private static JsonNode fields(HasMetadata o, String manager, String operation) {
        ManagedFieldsEntry e = o.getMetadata().getManagedFields().stream()
                .filter(m -> m.getManager().equals(manager) && m.getOperation().equals(operation)).findFirst().orElseThrow();
        return JSON.valueToTree(e.getFieldsV1().getAdditionalProperties());
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static Status status(Throwable t) {
        return ((KubernetesClientException) t).getStatus();
    }

    // ------------------------------------------------------------ server-side apply

    @Test
    void fabric8SendsApplyAsAPatchWithTheApplyContentTypeAndTheFieldManager() throws Exception {
        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("c").endMetadata()
                .addToData("a", "1").build()).forceConflicts().serverSideApply();

        var request = server.getLastRequest();
        assertThat(request.getMethod()).isEqualTo("PATCH");
        assertThat(request.getPath()).isEqualTo("/api/v1/namespaces/default/configmaps/c?fieldManager=fabric8&force=true");
        // the media type; a transport may add "; charset=utf-8" (OkHttp does), which the API server's patch handler cuts off
        assertThat(request.getHeader("Content-Type")).matches("application/apply-patch\\+yaml(; ?charset=utf-8)?");
        assertThat(request.getHeader("User-Agent")).startsWith("fabric8-kubernetes-client/");
    }

    @Test
    void applyCreatesTheObjectAndOwnsExactlyTheFieldsItSets() throws Exception {
        Deployment created = apply(deployment(2, "app:1"), "baton");

        assertThat(created.getMetadata().getResourceVersion()).isNotEmpty();
        assertThat(created.getMetadata().getManagedFields()).singleElement().satisfies(e -> {
            assertThat(e.getManager()).isEqualTo("baton");
            assertThat(e.getOperation()).isEqualTo("Apply");
            assertThat(e.getApiVersion()).isEqualTo("apps/v1");
            assertThat(e.getFieldsType()).isEqualTo("FieldsV1");
            assertThat(e.getTime()).isNotNull();
        });
        assertThat(fields(created, "baton", "Apply")).isEqualTo(json("{'f:metadata':{'f:labels':{'f:app':{}}},"
                + "'f:spec':{'f:replicas':{},'f:selector':{},'f:template':{'f:metadata':{'f:labels':{'f:app':{}}},'f:spec':{'f:containers':"
                + "{'k:{\\'name\\':\\'app\\'}':{'.':{},'f:image':{},'f:name':{},'f:ports':{'k:{\\'containerPort\\':8080,\\'protocol\\':\\'TCP\\'}':"
                + "{'.':{},'f:containerPort':{}}}}}}}}}"));
    }

    @Test
    void applyMergesIntoTheLiveObjectAndMergesContainersByName() {
        Deployment d = deployment(2, "app:1");
        d.getMetadata().getLabels().put("team", "a");
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(List.of(new io.fabric8.kubernetes.api.model.EnvVar("A", "1", null)));
        client.apps().deployments().inNamespace(NS).resource(d).create();

        Deployment config = deployment(2, "app:2");
        config.getSpec().getTemplate().getSpec().getContainers().add(new io.fabric8.kubernetes.api.model.ContainerBuilder()
                .withName("sidecar").withImage("proxy:1").build());
        // the creator owns the image it set: changing it is a conflict
        assertThatThrownBy(() -> apply(config, "baton")).satisfies(e -> assertThat(status(e).getDetails().getCauses())
                .extracting(c -> c.getField()).containsExactly(".spec.template.spec.containers[name=\"app\"].image"));
        Deployment merged = client.apps().deployments().inNamespace(NS).resource(config).fieldManager("baton").forceConflicts().serverSideApply();

        assertThat(merged.getMetadata().getLabels()).containsEntry("team", "a").containsEntry("app", "web");
        assertThat(merged.getSpec().getTemplate().getSpec().getContainers()).extracting(c -> c.getName() + "=" + c.getImage())
                .containsExactly("app=app:2", "sidecar=proxy:1");
        assertThat(merged.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).extracting(e -> e.getName())
                .containsExactly("A");
        // the creator keeps what it alone set; the image moved to the applier
        assertThat(fields(merged, "fabric8-kubernetes-client", "Update").toString()).contains("\"f:team\"").contains("\"f:env\"")
                .doesNotContain("\"f:image\"");
    }

    @Test
    void changingAFieldAnotherManagerOwnsIsAConflictUnlessForced() {
        apply(deployment(2, "app:1"), "baton");
        // a human scales it with a PUT: an Update by fabric8's user agent takes .spec.replicas
        Deployment scaled = live();
        scaled.getSpec().setReplicas(5);
        client.apps().deployments().inNamespace(NS).resource(scaled).update();
        assertThat(fields(live(), "fabric8-kubernetes-client", "Update").toString()).contains("f:replicas");

        assertThatThrownBy(() -> apply(deployment(2, "app:1"), "baton")).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(409);
            Status s = e.getStatus();
            assertThat(s.getReason()).isEqualTo("Conflict");
            assertThat(s.getMessage()).isEqualTo("Apply failed with 1 conflict: conflict with \"fabric8-kubernetes-client\" using apps/v1: .spec.replicas");
            assertThat(s.getDetails().getCauses()).singleElement().satisfies(c -> {
                assertThat(c.getReason()).isEqualTo("FieldManagerConflict");
                assertThat(c.getMessage()).isEqualTo("conflict with \"fabric8-kubernetes-client\" using apps/v1");
                assertThat(c.getField()).isEqualTo(".spec.replicas");
            });
        });
        assertThat(live().getSpec().getReplicas()).isEqualTo(5);

        // applying the value the other manager set is no conflict: the field is shared
        apply(deployment(5, "app:1"), "baton");
        // another applier changing a field baton applied conflicts with "baton" (an Apply entry: no "using")
        assertThatThrownBy(() -> apply(deployment(3, "app:1"), "kubectl")).isInstanceOfSatisfying(KubernetesClientException.class,
                e -> assertThat(e.getStatus().getMessage()).contains("conflicts with \"baton\":").contains("- .spec.replicas"));

        // force takes ownership
        Deployment forced = client.apps().deployments().inNamespace(NS).resource(deployment(2, "app:1")).fieldManager("baton").forceConflicts()
                .serverSideApply();
        assertThat(forced.getSpec().getReplicas()).isEqualTo(2);
        assertThat(forced.getMetadata().getManagedFields()).noneMatch(m -> !m.getManager().equals("baton")
                && JSON.valueToTree(m.getFieldsV1().getAdditionalProperties()).toString().contains("f:replicas"));
    }

    @Test
    void aFieldTheApplierStopsApplyingIsRemovedUnlessAnotherManagerOwnsIt() {
        Deployment first = deployment(2, "app:1");
        first.getMetadata().getLabels().putAll(Map.of("a", "1", "b", "2"));
        first.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(List.of(new io.fabric8.kubernetes.api.model.EnvVar("X", "1", null),
                new io.fabric8.kubernetes.api.model.EnvVar("Y", "2", null)));
        apply(first, "baton");
        // kubectl applies label b too: co-owned
        Deployment other = new DeploymentBuilder().withNewMetadata().withName("web").addToLabels("b", "2").endMetadata().build();
        client.apps().deployments().inNamespace(NS).resource(other).fieldManager("kubectl").serverSideApply();

        Deployment second = deployment(2, "app:1");
        second.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(List.of(new io.fabric8.kubernetes.api.model.EnvVar("X", "1", null)));
        Deployment after = apply(second, "baton");

        assertThat(after.getMetadata().getLabels()).containsOnlyKeys("app", "b");
        assertThat(after.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).extracting(e -> e.getName()).containsExactly("X");
        assertThat(fields(after, "baton", "Apply").toString()).doesNotContain("f:b").doesNotContain("Y");
    }

    @Test
    void aNoOpApplyKeepsTheResourceVersionAndSendsNoEvent() throws Exception {
        String rv = apply(deployment(2, "app:1"), "baton").getMetadata().getResourceVersion();
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        Watch w = client.apps().deployments().inNamespace(NS).watch(new ListOptionsBuilder().withResourceVersion(rv).build(), recorder(events));
        try {
            Deployment again = apply(deployment(2, "app:1"), "baton");

            assertThat(again.getMetadata().getResourceVersion()).isEqualTo(rv);
            assertThat(dispatcher.resourceVersion()).isEqualTo(Long.parseLong(rv));
            assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
            // a change does bump it, and is seen
            assertThat(apply(deployment(3, "app:1"), "baton").getMetadata().getResourceVersion()).isNotEqualTo(rv);
            assertThat(events.poll(5, TimeUnit.SECONDS)).startsWith("MODIFIED");
        } finally {
            w.close();
        }
    }

    @Test
    void nonApplyWritesRecordAnUpdateEntryUnderTheUserAgentOrTheFieldManager() {
        client.apps().deployments().inNamespace(NS).resource(deployment(1, "app:1")).create();
        client.apps().deployments().inNamespace(NS).withName("web")
                .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).withFieldManager("scaler").build(), "{\"spec\":{\"replicas\":4}}");

        Deployment d = live();
        assertThat(d.getMetadata().getManagedFields()).extracting(m -> m.getManager() + "/" + m.getOperation() + "/" + m.getApiVersion())
                .containsExactlyInAnyOrder("fabric8-kubernetes-client/Update/apps/v1", "scaler/Update/apps/v1");
        assertThat(fields(d, "scaler", "Update").toString()).isEqualTo("{\"f:spec\":{\"f:replicas\":{}}}");
        assertThat(fields(d, "fabric8-kubernetes-client", "Update").toString()).doesNotContain("f:replicas").contains("f:image");
    }

    @Test
    void aStrategicMergePatchMergesContainersByName() {
        client.apps().deployments().inNamespace(NS).resource(deployment(1, "app:1")).create();
        client.apps().deployments().inNamespace(NS).withName("web").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"app:2\"}]}}}}");

        assertThat(live().getSpec().getTemplate().getSpec().getContainers()).singleElement().satisfies(c -> {
            assertThat(c.getImage()).isEqualTo("app:2");
            assertThat(c.getPorts()).hasSize(1);
        });
    }

    @Test
    void dryRunComputesTheAnswerAndStoresNothing() {
        long before = dispatcher.resourceVersion();
        Deployment answer = client.apps().deployments().inNamespace(NS).resource(deployment(1, "app:1")).dryRun().create();

        assertThat(answer.getMetadata().getUid()).isNotEmpty();
        assertThat(answer.getMetadata().getResourceVersion()).isNull();
        assertThat(live()).isNull();
        assertThat(dispatcher.resourceVersion()).isEqualTo(before);
    }

    @Test
    void writesToTheResourceKeepTheStatusAndWritesToStatusChangeOnlyTheStatus() {
        Deployment d = client.apps().deployments().inNamespace(NS).resource(deployment(1, "app:1")).create();
        d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(1).withObservedGeneration(1L).build());
        d.getSpec().setReplicas(9);
        client.apps().deployments().inNamespace(NS).resource(d).updateStatus();
        assertThat(live().getStatus().getReplicas()).isEqualTo(1);
        assertThat(live().getSpec().getReplicas()).isEqualTo(1);

        Deployment replaced = deployment(3, "app:1");
        replaced.getMetadata().setResourceVersion(live().getMetadata().getResourceVersion());
        client.apps().deployments().inNamespace(NS).resource(replaced).update();
        assertThat(live().getStatus().getReplicas()).isEqualTo(1);
        assertThat(live().getMetadata().getGeneration()).isEqualTo(2L);
        assertThat(live().getMetadata().getManagedFields()).anyMatch(m -> "status".equals(m.getSubresource()));
    }

    @Test
    void theScaleSubresourceChangesOnlyTheReplicas() {
        client.apps().deployments().inNamespace(NS).resource(deployment(1, "app:1")).create();
        var scale = client.apps().deployments().inNamespace(NS).withName("web").scale();
        assertThat(scale.getKind()).isEqualTo("Scale");
        assertThat(scale.getStatus().getSelector()).isEqualTo("app=web");

        scale.getSpec().setReplicas(4);
        scale.getMetadata().setResourceVersion(null);
        client.apps().deployments().inNamespace(NS).withName("web").scale(scale);

        Deployment d = live();
        assertThat(d.getSpec().getReplicas()).isEqualTo(4);
        assertThat(d.getSpec().getTemplate().getSpec().getContainers()).hasSize(1);
        assertThat(d.getMetadata().getManagedFields()).anyMatch(m -> "scale".equals(m.getSubresource()));
    }

    // ------------------------------------------------------------ immutable fields

    private static Job job(String image) {
        return new JobBuilder().withNewMetadata().withName("batch").withNamespace(NS).endMetadata()
                .withNewSpec().withCompletions(1).withNewTemplate().withNewMetadata().addToLabels("app", "batch").endMetadata()
                .withNewSpec().withRestartPolicy("Never").addNewContainer().withName("run").withImage(image).endContainer().endSpec()
                .endTemplate().endSpec().build();
    }

    @Test
    void aJobGetsItsGeneratedSelectorAndItsTemplateIsImmutable() {
        Job created = client.batch().v1().jobs().inNamespace(NS).resource(job("run:1")).create();
        String uid = created.getMetadata().getUid();
        assertThat(created.getSpec().getSelector().getMatchLabels()).containsExactly(Map.entry("batch.kubernetes.io/controller-uid", uid));
        assertThat(created.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("controller-uid", uid)
                .containsEntry("batch.kubernetes.io/controller-uid", uid).containsEntry("job-name", "batch")
                .containsEntry("batch.kubernetes.io/job-name", "batch").containsEntry("app", "batch");

        Job changed = client.batch().v1().jobs().inNamespace(NS).withName("batch").get();
        changed.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("run:2");
        assertThatThrownBy(() -> client.batch().v1().jobs().inNamespace(NS).resource(changed).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
                    assertThat(e.getStatus().getMessage()).isEqualTo(
                            "Job.batch \"batch\" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable");
                    assertThat(e.getStatus().getDetails().getKind()).isEqualTo("Job");
                    assertThat(e.getStatus().getDetails().getGroup()).isEqualTo("batch");
                    assertThat(e.getStatus().getDetails().getCauses()).singleElement().satisfies(c -> {
                        assertThat(c.getField()).isEqualTo("spec.template");
                        assertThat(c.getReason()).isEqualTo("FieldValueInvalid");
                        assertThat(c.getMessage()).endsWith("field is immutable");
                    });
                });

        // a replace with the manifest as first sent drops the generated labels and selector: refused on both
        Job resent = job("run:1");
        resent.getMetadata().setResourceVersion(created.getMetadata().getResourceVersion());
        assertThatThrownBy(() -> client.batch().v1().jobs().inNamespace(NS).resource(resent).update())
                .satisfies(e -> assertThat(status(e).getDetails().getCauses()).extracting(c -> c.getField())
                        .containsExactly("spec.selector", "spec.selector", "spec.template"));
        // applying the same manifest is fine: nobody owns the generated labels, so they stay
        client.batch().v1().jobs().inNamespace(NS).resource(job("run:1")).fieldManager("baton").forceConflicts().serverSideApply();
        // and applying a new image is the same 422
        assertThatThrownBy(() -> client.batch().v1().jobs().inNamespace(NS).resource(job("run:2")).fieldManager("baton").forceConflicts()
                .serverSideApply()).satisfies(e -> assertThat(status(e).getDetails().getCauses()).extracting(c -> c.getField())
                        .containsExactly("spec.template"));
    }

    private static Service service(String clusterIP) {
        return new ServiceBuilder().withNewMetadata().withName("web").withNamespace(NS).endMetadata().withNewSpec().withClusterIP(clusterIP)
                .addToSelector("app", "web").addNewPort().withName("http").withPort(80).endPort().endSpec().build();
    }

    @Test
    void aServiceGetsAClusterIPWhichAReplaceKeepsAndMayNotChange() {
        Service created = client.services().inNamespace(NS).resource(service(null)).create();
        String ip = created.getSpec().getClusterIP();
        assertThat(ip).startsWith("10.96.");
        assertThat(created.getSpec().getClusterIPs()).containsExactly(ip);
        assertThat(created.getSpec().getPorts().get(0).getProtocol()).isEqualTo("TCP");

        // a replace without clusterIP keeps the allocated one (Kubernetes 1.23+, kubernetes/kubernetes#103532)
        Service resent = service(null);
        resent.getMetadata().setResourceVersion(created.getMetadata().getResourceVersion());
        Service replaced = client.services().inNamespace(NS).resource(resent).update();
        assertThat(replaced.getSpec().getClusterIP()).isEqualTo(ip);

        Service moved = service("10.96.99.99");
        moved.getMetadata().setResourceVersion(replaced.getMetadata().getResourceVersion());
        assertThatThrownBy(() -> client.services().inNamespace(NS).resource(moved).update()).satisfies(e -> {
            assertThat(status(e).getCode()).isEqualTo(422);
            assertThat(status(e).getMessage()).isEqualTo(
                    "Service \"web\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"10.96.99.99\"}: may not change once set");
            assertThat(status(e).getDetails().getCauses()).extracting(c -> c.getField()).containsExactly("spec.clusterIPs[0]");
        });
    }

    @Test
    void beforeKubernetes123AReplaceThatOmitsTheClusterIPIsTheFamousImmutableError() {
        client.close();
        server.destroy();
        dispatcher = new ApiServerDispatcher().withServiceClusterIPRuleBefore123();
        server = ApiServerDispatcher.start(dispatcher);
        client = server.createClient();

        Service created = client.services().inNamespace(NS).resource(service(null)).create();
        Service resent = service(null);
        resent.getMetadata().setResourceVersion(created.getMetadata().getResourceVersion());

        assertThatThrownBy(() -> client.services().inNamespace(NS).resource(resent).update()).satisfies(e -> {
            assertThat(status(e).getMessage()).isEqualTo("Service \"web\" is invalid: spec.clusterIP: Invalid value: \"\": field is immutable");
            assertThat(status(e).getDetails().getCauses()).singleElement().satisfies(c -> assertThat(c.getField()).isEqualTo("spec.clusterIP"));
        });
    }

    @Test
    void applyingAServiceKeepsItsClusterIPAndMergesPortsByPortAndProtocol() {
        var services = client.services().inNamespace(NS);
        String ip = services.resource(service(null)).fieldManager("baton").serverSideApply().getSpec().getClusterIP();

        Service twoPorts = service(null);
        twoPorts.getSpec().getPorts().add(new io.fabric8.kubernetes.api.model.ServicePortBuilder().withName("metrics").withPort(9090).build());
        Service applied = services.resource(twoPorts).fieldManager("baton").serverSideApply();

        assertThat(applied.getSpec().getClusterIP()).isEqualTo(ip);
        assertThat(applied.getSpec().getPorts()).extracting(p -> p.getName() + ":" + p.getPort() + "/" + p.getProtocol())
                .containsExactly("http:80/TCP", "metrics:9090/TCP");
        assertThat(fields(applied, "baton", "Apply").path("f:spec").path("f:ports").has("k:{\"port\":9090,\"protocol\":\"TCP\"}")).isTrue();
    }

    @Test
    void applyingAnObjectAsReadFromTheServerIsRefusedForItsManagedFields() {
        apply(deployment(1, "app:1"), "baton");

        assertThatThrownBy(() -> apply(live(), "baton")).satisfies(e -> {
            assertThat(status(e).getCode()).isEqualTo(400);
            assertThat(status(e).getReason()).isEqualTo("BadRequest");
            assertThat(status(e).getMessage()).isEqualTo("metadata.managedFields must be nil");
        });
    }

    private static PersistentVolumeClaim claim(String size, String mode) {
        return new PersistentVolumeClaimBuilder().withNewMetadata().withName("data").withNamespace(NS).endMetadata().withNewSpec()
                .withAccessModes(mode).withNewResources().addToRequests("storage", new Quantity(size)).endResources().endSpec().build();
    }

    @Test
    void aClaimsSpecIsImmutableExceptAGrowingRequestOfABoundClaim() {
        client.persistentVolumeClaims().inNamespace(NS).resource(claim("1Gi", "ReadWriteOnce")).create();
        var pvcs = client.persistentVolumeClaims().inNamespace(NS);

        PersistentVolumeClaim otherMode = pvcs.withName("data").get();
        otherMode.getSpec().setAccessModes(List.of("ReadWriteMany"));
        assertThatThrownBy(() -> pvcs.resource(otherMode).update()).satisfies(e -> {
            assertThat(status(e).getCode()).isEqualTo(422);
            assertThat(status(e).getMessage()).startsWith("PersistentVolumeClaim \"data\" is invalid: spec: Forbidden: spec is immutable "
                    + "after creation except resources.requests and volumeAttributesClassName for bound claims").contains("AccessModes");
            assertThat(status(e).getDetails().getCauses()).singleElement().satisfies(c -> {
                assertThat(c.getField()).isEqualTo("spec");
                assertThat(c.getReason()).isEqualTo("FieldValueForbidden");
            });
        });
        // a Pending claim cannot be resized either
        PersistentVolumeClaim bigger = pvcs.withName("data").get();
        bigger.getSpec().getResources().getRequests().put("storage", new Quantity("2Gi"));
        assertThatThrownBy(() -> pvcs.resource(bigger).update()).satisfies(e -> assertThat(status(e).getCode()).isEqualTo(422));

        // once the PV controller has bound it, it can grow, and not shrink below its capacity
        PersistentVolumeClaim bound = pvcs.withName("data").get();
        bound.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder().withPhase("Bound")
                .addToCapacity("storage", new Quantity("1Gi")).build());
        pvcs.resource(bound).updateStatus();
        PersistentVolumeClaim grown = pvcs.withName("data").get();
        grown.getSpec().getResources().getRequests().put("storage", new Quantity("2Gi"));
        assertThat(pvcs.resource(grown).update().getSpec().getResources().getRequests().get("storage")).isEqualTo(new Quantity("2Gi"));
        PersistentVolumeClaim shrunk = pvcs.withName("data").get();
        shrunk.getSpec().getResources().getRequests().put("storage", new Quantity("512Mi"));
        assertThatThrownBy(() -> pvcs.resource(shrunk).update()).satisfies(e -> assertThat(status(e).getMessage())
                .isEqualTo("PersistentVolumeClaim \"data\" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"));
    }

    @Test
    void aDeploymentsSelectorIsImmutable() {
        client.apps().deployments().inNamespace(NS).resource(deployment(1, "app:1")).create();
        Deployment d = live();
        d.getSpec().getSelector().getMatchLabels().put("tier", "front");
        d.getSpec().getTemplate().getMetadata().getLabels().put("tier", "front");

        assertThatThrownBy(() -> client.apps().deployments().inNamespace(NS).resource(d).update()).satisfies(e -> {
            assertThat(status(e).getMessage()).isEqualTo("Deployment.apps \"web\" is invalid: spec.selector: Invalid value: "
                    + "v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"tier\":\"front\"}, "
                    + "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
            assertThat(status(e).getDetails().getCauses()).extracting(c -> c.getField()).containsExactly("spec.selector");
        });
    }

    // ------------------------------------------------------------ PUT without resourceVersion

    private HttpResponse<String> raw(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + path))
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String withoutVersion(HasMetadata o) {
        o.getMetadata().setResourceVersion(null);
        o.getMetadata().setManagedFields(null);
        return io.fabric8.kubernetes.client.utils.Serialization.asJson(o);
    }

    @Test
    void aPutWithoutResourceVersionIsUnconditionalForTheBuiltInKindsAndRefusedForCustomResources() throws Exception {
        List<HasMetadata> objects = List.of(deployment(1, "app:1"), service(null), job("run:1"), claim("1Gi", "ReadWriteOnce"),
                new SecretBuilder().withNewMetadata().withName("s").withNamespace(NS).endMetadata().addToStringData("k", "v").build(),
                new DaemonSetBuilder().withNewMetadata().withName("ds").withNamespace(NS).endMetadata().withNewSpec().withNewSelector()
                        .addToMatchLabels("app", "ds").endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "ds").endMetadata()
                        .withNewSpec().addNewContainer().withName("c").withImage("x").endContainer().endSpec().endTemplate().endSpec().build(),
                new CronJobBuilder().withNewMetadata().withName("cj").withNamespace(NS).endMetadata().withNewSpec().withSchedule("* * * * *")
                        .withNewJobTemplate().withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("c").withImage("x")
                        .endContainer().endSpec().endTemplate().endSpec().endJobTemplate().endSpec().build());
        for (HasMetadata o : objects) {
            HasMetadata live = client.resource(o).create();
            String path = (live.getApiVersion().contains("/") ? "/apis/" : "/api/") + live.getApiVersion() + "/namespaces/" + NS + "/"
                    + live.getKind().toLowerCase() + "s/" + live.getMetadata().getName();
            HttpResponse<String> put = raw("PUT", path, withoutVersion(client.resource(live).get()));
            assertThat(put.statusCode()).as(live.getKind() + " " + put.body()).isEqualTo(200);
        }

        String widget = "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\",\"namespace\":\"default\"},\"spec\":{\"size\":1}}";
        assertThat(raw("POST", "/apis/example.com/v1/namespaces/default/widgets", widget).statusCode()).isEqualTo(201);
        HttpResponse<String> put = raw("PUT", "/apis/example.com/v1/namespaces/default/widgets/w", widget.replace("\"size\":1", "\"size\":2"));
        assertThat(put.statusCode()).isEqualTo(422);
        JsonNode s = JSON.readTree(put.body());
        assertThat(s.path("message").asText())
                .isEqualTo("widgets.example.com \"w\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
        assertThat(s.path("reason").asText()).isEqualTo("Invalid");
        assertThat(s.path("details").path("causes").get(0).path("field").asText()).isEqualTo("metadata.resourceVersion");

        // a stale resourceVersion is a conflict, as before
        Deployment stale = live();
        Deployment changed = live();
        changed.getSpec().setReplicas(2);
        client.apps().deployments().inNamespace(NS).resource(changed).update();
        assertThatThrownBy(() -> client.apps().deployments().inNamespace(NS).resource(stale).update()).satisfies(e -> {
            assertThat(status(e).getCode()).isEqualTo(409);
            assertThat(status(e).getMessage()).isEqualTo("Operation cannot be fulfilled on deployments.apps \"web\": the object has been "
                    + "modified; please apply your changes to the latest version and try again");
        });
    }

    // ------------------------------------------------------------ watches and 410

    private static <T extends HasMetadata> Watcher<T> recorder(BlockingQueue<String> events) {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, T resource) {
                events.add(action + " " + resource.getMetadata().getName() + " " + resource.getMetadata().getResourceVersion());
            }

            @Override
            public void onClose(WatcherException cause) {
                events.add("CLOSED " + (cause.isHttpGone() ? "410 " : "") + cause.getMessage());
            }
        };
    }

    private List<String> drainRequests() throws InterruptedException {
        List<String> out = new java.util.ArrayList<>();
        io.fabric8.mockwebserver.http.RecordedRequest r;
        while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            out.add(r.getMethod() + " " + r.getPath());
        }
        return out;
    }

    private ConfigMap configMap(String name, String value) {
        return client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata()
                .addToData("v", value).build()).createOr(existing -> existing.update());
    }

    @Test
    void aWatchFromAResourceVersionGetsTheChangesAfterIt() throws Exception {
        String from = configMap("a", "1").getMetadata().getResourceVersion();
        configMap("b", "1");
        configMap("a", "2");
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        Watch w = client.configMaps().inNamespace(NS).watch(new ListOptionsBuilder().withResourceVersion(from).build(), recorder(events));
        try {
            assertThat(events.poll(5, TimeUnit.SECONDS)).startsWith("ADDED b ");
            assertThat(events.poll(5, TimeUnit.SECONDS)).startsWith("MODIFIED a ");
            client.configMaps().inNamespace(NS).withName("b").delete();
            String deleted = events.poll(5, TimeUnit.SECONDS);
            assertThat(deleted).startsWith("DELETED b ");
            assertThat(Long.parseLong(deleted.split(" ")[2])).isEqualTo(dispatcher.resourceVersion());
        } finally {
            w.close();
        }
    }

    @Test
    void aWatchFromACompactedResourceVersionIsAnsweredWith410Expired() throws Exception {
        String old = configMap("a", "1").getMetadata().getResourceVersion();
        long floor = dispatcher.compact();
        BlockingQueue<String> events = new LinkedBlockingQueue<>();

        Watch w = client.configMaps().inNamespace(NS).watch(new ListOptionsBuilder().withResourceVersion(old).build(), recorder(events));
        try {
            assertThat(events.poll(5, TimeUnit.SECONDS)).isEqualTo("CLOSED 410 too old resource version: " + old + " (" + floor + ")");
        } finally {
            w.close();
        }
        // the list after compaction can be watched from
        String listed = client.configMaps().inNamespace(NS).list().getMetadata().getResourceVersion();
        assertThat(listed).isEqualTo(Long.toString(floor));
        Watch resumed = client.configMaps().inNamespace(NS).watch(new ListOptionsBuilder().withResourceVersion(listed).build(), recorder(events));
        try {
            configMap("a", "2");
            assertThat(events.poll(5, TimeUnit.SECONDS)).startsWith("MODIFIED a ");
        } finally {
            resumed.close();
        }
    }

    @Test
    void aWatchResumedAfterCompactionEndsWith410AndAnInformerRelists() throws Exception {
        configMap("a", "1");
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        List<String> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> sawB = new CompletableFuture<>();
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace(NS).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap obj) {
                seen.add("add " + obj.getMetadata().getName());
                if (obj.getMetadata().getName().equals("b")) {
                    sawB.complete(null);
                }
            }

            @Override
            public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
            }

            @Override
            public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {
            }
        });
        Watch plain = client.configMaps().inNamespace(NS).watch(recorder(events));
        try {
            assertThat(events.poll(5, TimeUnit.SECONDS)).startsWith("ADDED a ");
            configMap("a", "2");
            assertThat(events.poll(5, TimeUnit.SECONDS)).startsWith("MODIFIED a ");
            Thread.sleep(2100); // fabric8 treats a watch that ends within 2 s without messages as expired by itself

            drainRequests();
            dispatcher.compact();
            dispatcher.dropWatches();
            // both resume from the last resourceVersion they saw, which is now too old
            String closed = events.poll(10, TimeUnit.SECONDS);
            assertThat(closed).startsWith("CLOSED 410 too old resource version: ");

            // the informer re-listed and watches again: a new object reaches it
            configMap("b", "1");
            sawB.get(10, TimeUnit.SECONDS);
            assertThat(seen).contains("add a", "add b");
            assertThat(drainRequests()).as("the informer's re-list after 410").contains("GET /api/v1/namespaces/default/configmaps");
        } finally {
            plain.close();
            informer.close();
        }
    }
}
