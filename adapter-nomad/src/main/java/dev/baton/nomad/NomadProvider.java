package dev.baton.nomad;

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
import dev.baton.nomad.internal.JobTranslator;
import dev.baton.nomad.internal.NomadClient;
import dev.baton.spi.OrchestratorProvider;
import java.util.List;
import okhttp3.HttpUrl;

/**
 * Provides {@code nomad://host:4646} (several servers as {@code nomad://a:4646,b:4646}); with no address,
 * {@code NOMAD_ADDR} (default {@code http://127.0.0.1:4646}). {@code NOMAD_TOKEN}, {@code NOMAD_NAMESPACE} (or the
 * config's namespace), {@code NOMAD_REGION}, {@code NOMAD_CACERT}, {@code NOMAD_CLIENT_CERT}, {@code NOMAD_CLIENT_KEY} and
 * {@code NOMAD_HTTP_AUTH} (basic authentication, {@code user:password}), {@code NOMAD_CAPATH} (a directory of CA
 * certificates, when {@code NOMAD_CACERT} is not set) and {@code NOMAD_TLS_SERVER_NAME} (the name the server's
 * certificate must hold) are honoured as the Nomad CLI honours them;
 * {@code NOMAD_SKIP_VERIFY} is refused.
 *
 * @since 0.1
 */
public final class NomadProvider implements OrchestratorProvider {

    static final Capabilities CAPABILITIES = Capabilities.builder("nomad")
            .jobTypes(JobType.values())
            .taskKinds(TaskKind.values())
            .checkKinds(CheckKind.values())
            .exposures(Exposure.values())
            .restartModes(RestartMode.values())
            .updateStrategies(UpdateStrategy.values())
            .onFailure(OnFailure.ROLLBACK, OnFailure.PAUSE)
            .constraintOperators(Operator.values())
            .features(Feature.NAMESPACES, Feature.CRON_TIME_ZONE, Feature.LABELS, Feature.MULTI_TASK_GROUPS, Feature.SCALE_TO_ZERO,
                    Feature.WORKING_DIR, Feature.CONTAINER_COMMAND, Feature.CPU_RESOURCES, Feature.MEMORY_RESOURCES,
                    Feature.STATIC_PORTS, Feature.DYNAMIC_PORTS, Feature.CHECK_GRACE_PERIOD, Feature.SECRETS_AS_ENV,
                    Feature.SECRETS_AS_FILES, Feature.VOLUMES, Feature.READ_ONLY_MOUNTS, Feature.FIXED_PUBLISHED_PORT,
                    Feature.RESTART_ATTEMPTS, Feature.RESTART_DELAY, Feature.UPDATE_PARALLELISM, Feature.UPDATE_DELAY,
                    Feature.UPDATE_MIN_HEALTHY_TIME, Feature.UPDATE_HEALTHY_DEADLINE, Feature.UPDATE_CANARY,
                    Feature.PLACEMENT_SPREAD, Feature.PLACEMENT_DISTINCT_HOSTS, Feature.SCALE, Feature.ROLLBACK, Feature.DRAIN,
                    Feature.SECRET_STORE, Feature.EVENTS, Feature.LOGS)
            .reason("feature.UDP_PORTS", "a Nomad port label carries no protocol; the task decides")
            .reason("feature.MULTI_HOST_VOLUMES", "baton-nomad requests host volumes; CSI volumes are not mapped yet")
            .reason("feature.VOLUME_SIZE", "a host volume is the client's directory and has no size")
            .reason("onFailure.continue", "a failed Nomad deployment stops placing the new version")
            // Honoured in some specs and refused in others, by JobTranslator.refuse, before anything is sent: the rows stay
            // "yes" (the capability check runs before the adapter and cannot tell the service provider or the job type),
            // and the reason says when Nomad cannot honour them.
            .reason("check.exec", "honoured with the consul service provider only: " + JobTranslator.EXEC_CHECK_REASON)
            .reason("feature.UPDATE_DELAY", "honoured on system jobs only (Nomad's stagger): " + JobTranslator.UPDATE_DELAY_REASON)
            .reason("feature.UPDATE_CANARY", "honoured on service jobs only: " + JobTranslator.SYSTEM_UPDATE_REASON)
            .reason("feature.PLACEMENT_SPREAD", "honoured on service, batch and cron jobs only: Nomad refuses a spread block on a system job")
            .build();

    @Override
    public String id() {
        return "nomad";
    }

    @Override
    public boolean supports(Target target) {
        return target.scheme().equals("nomad");
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public String artifact() {
        return "dev.baton:baton-nomad";
    }

    static List<HttpUrl> servers(Target target, OrchestratorConfig config) {
        return target.servers(config.env("NOMAD_ADDR").orElse("http://127.0.0.1:4646"), "Nomad").stream().map(HttpUrl::get).toList();
    }

    @Override
    public Orchestrator create(Target target, OrchestratorConfig config) {
        String skip = config.env("NOMAD_SKIP_VERIFY").orElse("").strip();
        if (java.util.Set.of("1", "t", "T", "true", "TRUE", "True").contains(skip)) {
            // refused rather than honoured: an orchestrator that deploys with a token must know whom it talks to
            throw dev.baton.AuthenticationException.of("nomad", 0, "NOMAD_SKIP_VERIFY is set: Baton does not turn off TLS certificate "
                    + "verification; give the server's CA in NOMAD_CACERT instead, or unset NOMAD_SKIP_VERIFY");
        }
        String namespace = config.namespace() != null ? config.namespace() : config.env("NOMAD_NAMESPACE").orElse(null);
        // NOMAD_CACERT, else NOMAD_CAPATH: a directory of PEM CA certificates, as the Nomad CLI takes it
        String ca = config.env("NOMAD_CACERT").filter(v -> !v.isBlank()).or(() -> config.env("NOMAD_CAPATH").filter(v -> !v.isBlank())).orElse(null);
        String cert = config.env("NOMAD_CLIENT_CERT").orElse(null);
        String key = config.env("NOMAD_CLIENT_KEY").orElse(null);
        var tls = ca == null && cert == null && key == null ? null : dev.baton.spi.PemTls.load("Nomad", new String[] {config.env("NOMAD_CACERT").filter(v -> !v.isBlank()).isPresent() || config.env("NOMAD_CAPATH").isEmpty()
                        ? "NOMAD_CACERT" : "NOMAD_CAPATH", "NOMAD_CLIENT_CERT", "NOMAD_CLIENT_KEY"}, ca, cert, key);
        NomadClient client = new NomadClient(servers(target, config), config.env("NOMAD_TOKEN").orElse(null), namespace,
                config.env("NOMAD_REGION").orElse(null), config.retryPolicy(), config.connectTimeout(), config.requestTimeout(), tls,
                config.env("NOMAD_HTTP_AUTH").orElse(null), config.env("NOMAD_TLS_SERVER_NAME").orElse(null));
        return new NomadOrchestrator(client);
    }
}
