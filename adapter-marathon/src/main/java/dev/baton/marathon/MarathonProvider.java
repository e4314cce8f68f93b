package dev.baton.marathon;

import dev.baton.Capabilities;
import dev.baton.Feature;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Target;
import dev.baton.marathon.internal.MarathonClient;
import dev.baton.model.CheckKind;
import dev.baton.model.Exposure;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.model.Operator;
import dev.baton.model.RestartMode;
import dev.baton.model.TaskKind;
import dev.baton.model.UpdateStrategy;
import dev.baton.spi.OrchestratorProvider;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import okhttp3.HttpUrl;

/**
 * Provides {@code marathon://host:8080} (several instances as {@code marathon://a:8080,b:8080}); with no address,
 * {@code MARATHON_URL} (default {@code http://127.0.0.1:8080}). Basic auth from {@code MARATHON_USER} and
 * {@code MARATHON_PASSWORD}, or a DC/OS token from {@code DCOS_TOKEN} ({@code Authorization: token=…}). TLS trusts the
 * PEM CA bundle in {@code MARATHON_CACERT} (DC/OS clusters sign with their own CA), with an optional client
 * certificate and PKCS#8 key in {@code MARATHON_CLIENT_CERT} / {@code MARATHON_CLIENT_KEY}.
 *
 * @since 0.1
 */
public final class MarathonProvider implements OrchestratorProvider {

    static final Capabilities CAPABILITIES = Capabilities.builder("marathon")
            .jobTypes(JobType.SERVICE)
            .taskKinds(TaskKind.values())
            .checkKinds(CheckKind.values())
            .exposures(Exposure.INTERNAL, Exposure.PUBLISHED)
            .restartModes(RestartMode.ALWAYS)
            .updateStrategies(UpdateStrategy.values())
            .onFailure(OnFailure.ROLLBACK, OnFailure.CONTINUE)
            .constraintOperators(Operator.EQUAL, Operator.NOT_EQUAL, Operator.IN, Operator.NOT_IN, Operator.EXISTS)
            .features(Feature.NAMESPACES, Feature.LABELS, Feature.SCALE_TO_ZERO, Feature.CPU_RESOURCES, Feature.MEMORY_RESOURCES,
                    Feature.STATIC_PORTS, Feature.DYNAMIC_PORTS, Feature.UDP_PORTS, Feature.CHECK_GRACE_PERIOD,
                    Feature.RESTART_DELAY, Feature.UPDATE_PARALLELISM, Feature.UPDATE_HEALTHY_DEADLINE,
                    Feature.PLACEMENT_SPREAD, Feature.PLACEMENT_DISTINCT_HOSTS, Feature.SCALE, Feature.ROLLBACK, Feature.EVENTS,
                    Feature.VOLUMES, Feature.VOLUME_SIZE, Feature.READ_ONLY_MOUNTS, Feature.MULTI_TASK_GROUPS)
            .reason("jobType.batch", "Marathon runs long-lived apps; batch jobs run on Metronome, which is another system")
            .reason("jobType.cron", "Marathon runs long-lived apps; scheduled jobs run on Metronome, which is another system")
            .reason("jobType.system", "Marathon cannot track the number of agents; hostname UNIQUE with a fixed count would not be exact")
            .reason("feature.SECRET_STORE", "open-source Marathon has no secret store (secrets are a DC/OS Enterprise feature)")
            .reason("feature.SECRETS_AS_ENV", "open-source Marathon has no secret store")
            .reason("feature.SECRETS_AS_FILES", "open-source Marathon has no secret store")
            .reason("feature.MULTI_HOST_VOLUMES", "Marathon's persistent volumes are local: each instance's lives on the agent it is pinned to")
            .reason("feature.WORKING_DIR", "a Marathon app has no working directory; the task runs in its sandbox")
            .reason("feature.CONTAINER_COMMAND", "Marathon can replace a container's entrypoint only through a shell cmd; use args")
            .reason("feature.UPDATE_DELAY", "Marathon's upgrade strategy has no pause between batches")
            .reason("feature.UPDATE_MIN_HEALTHY_TIME", "Marathon counts an instance healthy at its first passing check")
            .reason("feature.UPDATE_CANARY", "Marathon has no canary step")
            .reason("feature.RESTART_ATTEMPTS", "Marathon restarts apps without limit, backing off")
            .reason("feature.FIXED_PUBLISHED_PORT", "a Marathon port is published as the task's own port")
            .reason("feature.DRAIN", "Marathon has no maintenance API; drain agents through Mesos maintenance")
            .reason("onFailure.pause", "Marathon keeps a failing deployment running; it cannot be paused")
            .reason("constraint.not-exists", "Marathon constraints can only match attributes an agent has")
            .build();

    @Override
    public String id() {
        return "marathon";
    }

    @Override
    public boolean supports(Target target) {
        return target.scheme().equals("marathon");
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public String artifact() {
        return "dev.baton:baton-marathon";
    }

    static List<HttpUrl> servers(Target target, OrchestratorConfig config) {
        return target.servers(config.env("MARATHON_URL").orElse("http://127.0.0.1:8080"), "Marathon").stream().map(HttpUrl::get).toList();
    }

    @Override
    public Orchestrator create(Target target, OrchestratorConfig config) {
        String auth = config.env("DCOS_TOKEN").map(t -> "token=" + t)
                .or(() -> config.env("MARATHON_USER").map(u -> "Basic " + Base64.getEncoder().encodeToString(
                        (u + ":" + config.env("MARATHON_PASSWORD").orElse("")).getBytes(StandardCharsets.UTF_8))))
                .orElse(null);
        String ca = config.env("MARATHON_CACERT").orElse(null);
        String cert = config.env("MARATHON_CLIENT_CERT").orElse(null);
        String key = config.env("MARATHON_CLIENT_KEY").orElse(null);
        var tls = ca == null && cert == null && key == null ? null
                : dev.baton.spi.PemTls.load("Marathon", new String[] {"MARATHON_CACERT", "MARATHON_CLIENT_CERT", "MARATHON_CLIENT_KEY"}, ca, cert, key);
        MarathonClient client = new MarathonClient(servers(target, config), auth, config.retryPolicy(), config.connectTimeout(),
                config.requestTimeout(), tls);
        return new MarathonOrchestrator(client, config.namespace());
    }
}
