package dev.baton.kubernetes;

import dev.baton.Capabilities;
import dev.baton.Feature;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Target;
import dev.baton.model.CheckKind;
import dev.baton.model.Exposure;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.model.Operator;
import dev.baton.model.RestartMode;
import dev.baton.model.TaskKind;
import dev.baton.model.UpdateStrategy;
import dev.baton.kubernetes.internal.Connection;
import dev.baton.spi.OrchestratorProvider;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.function.Supplier;

/**
 * Provides {@code kubernetes://}: the current kubeconfig context ({@code KUBECONFIG}, several files merged, or
 * {@code ~/.kube/config}) or the in-cluster configuration (service-account token and namespace), with that context's
 * namespace; {@code kubernetes://<context>} for a named context; {@code kubernetes://https://host:6443} for an API
 * server URL (config properties {@code kubernetes.token} and {@code kubernetes.caFile}, and
 * {@code kubernetes.trustCerts=true} to skip TLS verification, for test clusters only). An application's own client
 * goes through {@link KubernetesOrchestrator#using}.
 *
 * @since 0.1
 */
public final class KubernetesProvider implements OrchestratorProvider {

    static final Capabilities CAPABILITIES = Capabilities.builder("kubernetes")
            .jobTypes(JobType.values())
            .taskKinds(TaskKind.CONTAINER)
            .checkKinds(CheckKind.values())
            .exposures(Exposure.values())
            .restartModes(RestartMode.values())
            .updateStrategies(UpdateStrategy.values())
            .onFailure(OnFailure.ROLLBACK, OnFailure.PAUSE)
            .constraintOperators(Operator.values())
            .features(Feature.NAMESPACES, Feature.CRON_TIME_ZONE, Feature.LABELS, Feature.MULTI_TASK_GROUPS,
                    Feature.SCALE_TO_ZERO, Feature.WORKING_DIR, Feature.CONTAINER_COMMAND, Feature.CPU_RESOURCES,
                    Feature.MEMORY_RESOURCES, Feature.STATIC_PORTS, Feature.DYNAMIC_PORTS, Feature.UDP_PORTS,
                    Feature.CHECK_GRACE_PERIOD, Feature.SECRETS_AS_ENV, Feature.SECRETS_AS_FILES, Feature.VOLUMES,
                    Feature.MULTI_HOST_VOLUMES, Feature.VOLUME_SIZE, Feature.READ_ONLY_MOUNTS, Feature.FIXED_PUBLISHED_PORT,
                    Feature.RESTART_ATTEMPTS, Feature.UPDATE_PARALLELISM, Feature.UPDATE_MIN_HEALTHY_TIME,
                    Feature.UPDATE_HEALTHY_DEADLINE, Feature.PLACEMENT_SPREAD, Feature.PLACEMENT_DISTINCT_HOSTS,
                    Feature.SCALE, Feature.ROLLBACK, Feature.DRAIN, Feature.SECRET_STORE, Feature.EVENTS, Feature.LOGS)
            .reason("task.process", "Kubernetes runs containers; give the task an image")
            .reason("feature.RESTART_DELAY", "the kubelet restarts containers with its own exponential back-off, which cannot be set")
            .reason("feature.UPDATE_DELAY", "a Deployment rolls out continuously; it has no pause between batches")
            .reason("feature.UPDATE_CANARY", "a Deployment has no canary step; run a second job for canaries")
            .reason("onFailure.continue", "a Deployment whose new pods never become ready stops progressing; it cannot continue past them")
            .build();

    /**
     * The HTTP transport of the clients Baton creates: fabric8's OkHttp one, named rather than found on the class path,
     * so that an application with another fabric8 transport on it (Vert.x, say) gets the same one Baton was measured
     * and tested with (TransportBenchmark; fabric8 picks among several transports of one priority at random).
     */
    static io.fabric8.kubernetes.client.http.HttpClient.Factory transport() {
        return new io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory();
    }

    @Override
    public String id() {
        return "kubernetes";
    }

    @Override
    public boolean supports(Target target) {
        return target.scheme().equals("kubernetes");
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public String artifact() {
        return "dev.baton:baton-kubernetes";
    }

    @Override
    public Orchestrator create(Target target, OrchestratorConfig config) {
        String address = target.address();
        Supplier<Connection> connect = () -> {
            Config c;
            String origin;
            if (address.isEmpty()) {
                c = Config.autoConfigure(null);
                origin = Connection.kubeconfigOrigin(c, null);
            } else if (address.startsWith("http://") || address.startsWith("https://")) {
                // a bare API server URL: credentials from config properties, as kubectl --server --token --certificate-authority
                ConfigBuilder b = new ConfigBuilder(Config.empty()).withMasterUrl(address)
                        .withTrustCerts(config.property("kubernetes.trustCerts").map(Boolean::parseBoolean).orElse(false));
                config.property("kubernetes.token").ifPresent(b::withOauthToken);
                config.property("kubernetes.caFile").ifPresent(b::withCaCertFile);
                c = b.build();
                origin = "the URL given as the target; no kubeconfig read";
            } else {
                c = Config.autoConfigure(address);
                origin = Connection.kubeconfigOrigin(c, address);
            }
            c.setConnectionTimeout((int) config.connectTimeout().toMillis());
            c.setRequestTimeout((int) config.requestTimeout().toMillis());
            // fabric8 retries connection failures and server errors itself; bound it by Baton's retry policy
            c.setRequestRetryBackoffLimit(config.retryPolicy().maxAttempts() - 1);
            c.setRequestRetryBackoffInterval((int) Math.max(1, config.retryPolicy().initialBackoff().toMillis()));
            if (config.namespace() != null) {
                c.setNamespace(config.namespace());
            }
            return new Connection(new KubernetesClientBuilder().withConfig(c).withHttpClientFactory(transport()).build(), origin);
        };
        return new KubernetesOrchestrator(connect, config.namespace(), true);
    }
}
