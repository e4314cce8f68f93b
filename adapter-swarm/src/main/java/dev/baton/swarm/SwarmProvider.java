package dev.baton.swarm;

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
import dev.baton.spi.OrchestratorProvider;
import dev.baton.swarm.internal.DockerContexts;
import dev.baton.swarm.internal.Engine;
import dev.baton.swarm.internal.RegistryAuth;
import java.time.Duration;

/**
 * Provides {@code swarm://}: with nothing after the scheme, the engine the docker CLI would use: {@code DOCKER_HOST},
 * else the docker context {@code DOCKER_CONTEXT} names, else the configuration's current context, else
 * {@code unix:///var/run/docker.sock} ({@link DockerContexts}); {@code swarm://context/<name>} for a named context
 * (its TLS material included); {@code swarm://unix/var/run/other.sock} for another socket;
 * {@code swarm://tcp/host:2376} for a TCP engine, with TLS when {@code DOCKER_CERT_PATH} names a directory holding
 * {@code ca.pem}, {@code cert.pem} and {@code key.pem} (as the docker CLI reads them; {@code DOCKER_TLS_VERIFY}
 * set to {@code 0} turns TLS off). {@code DOCKER_API_VERSION}, as the docker CLI takes it, is the Engine API version
 * spoken without negotiating it (1.41 to 1.44; another is an {@link IllegalArgumentException}).
 *
 * @since 0.1
 */
public final class SwarmProvider implements OrchestratorProvider {

    static final Capabilities CAPABILITIES = Capabilities.builder(Engine.PLATFORM)
            .jobTypes(JobType.SERVICE, JobType.SYSTEM, JobType.BATCH)
            .taskKinds(TaskKind.CONTAINER)
            .checkKinds(CheckKind.EXEC)
            .exposures(Exposure.values())
            .restartModes(RestartMode.values())
            .updateStrategies(UpdateStrategy.values())
            .onFailure(OnFailure.values())
            .constraintOperators(Operator.EQUAL, Operator.NOT_EQUAL)
            .features(Feature.NAMESPACES, Feature.LABELS, Feature.SCALE_TO_ZERO, Feature.WORKING_DIR, Feature.CONTAINER_COMMAND,
                    Feature.CPU_RESOURCES, Feature.MEMORY_RESOURCES, Feature.STATIC_PORTS, Feature.UDP_PORTS, Feature.CHECK_GRACE_PERIOD,
                    Feature.SECRETS_AS_FILES, Feature.VOLUMES, Feature.READ_ONLY_MOUNTS, Feature.FIXED_PUBLISHED_PORT,
                    Feature.RESTART_ATTEMPTS, Feature.RESTART_DELAY, Feature.UPDATE_PARALLELISM, Feature.UPDATE_DELAY,
                    Feature.UPDATE_MIN_HEALTHY_TIME, Feature.UPDATE_CANARY, Feature.PLACEMENT_SPREAD, Feature.PLACEMENT_DISTINCT_HOSTS,
                    Feature.SCALE, Feature.ROLLBACK, Feature.DRAIN, Feature.LOGS, Feature.SECRET_STORE, Feature.EVENTS)
            .reason("jobType.cron", "Swarm has no scheduled jobs; run a batch job from an external scheduler")
            .reason("task.process", "Swarm runs containers only; give the task an image")
            .reason("check.http", "the engine runs health checks inside the container, which may have no HTTP client; write the check as an exec command")
            .reason("check.tcp", "the engine runs health checks inside the container, which may have no TCP client; write the check as an exec command")
            .reason("constraint.in", "Swarm placement constraints know only == and !=")
            .reason("constraint.not-in", "Swarm placement constraints know only == and !=")
            .reason("constraint.exists", "Swarm placement constraints know only == and !=")
            .reason("constraint.not-exists", "Swarm placement constraints know only == and !=")
            .reason("feature.MULTI_TASK_GROUPS", "Swarm has no pods: a service runs one container per task")
            .reason("feature.CRON_TIME_ZONE", "Swarm has no scheduled jobs")
            .reason("feature.DYNAMIC_PORTS", "a container listens on the port its image chooses; Swarm assigns only published ports")
            .reason("feature.SECRETS_AS_ENV", "Swarm gives secrets to a container only as files")
            .reason("feature.MULTI_HOST_VOLUMES", "baton-swarm uses the local volume driver, whose volumes live on one node")
            .reason("feature.VOLUME_SIZE", "the local volume driver has no size")
            .reason("feature.UPDATE_HEALTHY_DEADLINE", "Swarm has no deadline per batch; an update fails when a new task fails within update.minHealthyTime (the update monitor)")
            .build();

    @Override
    public String id() {
        return Engine.PLATFORM;
    }

    @Override
    public boolean supports(Target target) {
        return target.scheme().equals(Engine.PLATFORM);
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public String artifact() {
        return "dev.baton:baton-swarm";
    }

    /** The engine address a target names: {@code unix:///…} or {@code tcp://host:port}. */
    static String dockerHost(Target target, OrchestratorConfig config) {
        return engine(target, config).host();
    }

    /** The engine a target names, and the directory of a docker context's TLS material when it has some. */
    static DockerContexts.Resolved engine(Target target, OrchestratorConfig config) {
        if (target.isDefault()) {
            return DockerContexts.current(config::env);
        }
        String a = target.address();
        if (a.startsWith("context/")) {
            return DockerContexts.named(a.substring("context/".length()), config::env);
        }
        return new DockerContexts.Resolved(null, address(a), null);
    }

    private static String address(String a) {
        if (a.startsWith("unix/")) {
            return "unix:///" + a.substring("unix/".length()).replaceFirst("^/+", "");
        }
        if (a.startsWith("tcp/")) {
            return "tcp://" + a.substring("tcp/".length());
        }
        if (a.startsWith("/")) {
            return "unix://" + a;
        }
        if (a.matches("[A-Za-z0-9.-]+:[0-9]+")) {
            return "tcp://" + a;
        }
        throw new IllegalArgumentException("\"swarm://" + a + "\" is not a Docker engine address; use swarm:// (DOCKER_HOST, else "
                + "the current docker context, else the local socket), swarm://context/<name>, swarm://unix/path/to/docker.sock "
                + "or swarm://tcp/host:2376");
    }

    @Override
    public Orchestrator create(Target target, OrchestratorConfig config) {
        DockerContexts.Resolved engine = engine(target, config);
        String host = engine.host();
        String certPath;
        if (engine.tlsDir() != null) {
            certPath = engine.tlsDir().toString();  // a docker context's own TLS material
        } else {
            boolean verify = !config.env("DOCKER_TLS_VERIFY").map(v -> v.equals("0") || v.isBlank()).orElse(false);
            certPath = host.startsWith("tcp://") && verify && (engine.context() == null || engine.context().equals("default"))
                    ? config.env("DOCKER_CERT_PATH").orElse(null) : null;
        }
        Duration response = config.requestTimeout().compareTo(Duration.ofSeconds(30)) < 0 ? Duration.ofSeconds(30) : config.requestTimeout();
        // registry credentials as the docker CLI finds them: DOCKER_AUTH_CONFIG, DOCKER_CONFIG (else HOME/.docker), PATH for helpers
        // the API version as the docker CLI takes it: DOCKER_API_VERSION used as is, else negotiated (one GET /version)
        String api = config.env("DOCKER_API_VERSION").map(String::strip).filter(v -> !v.isEmpty()).map(Engine::given).orElse(null);
        return new SwarmOrchestrator(new Engine(host, certPath, config.retryPolicy(), config.connectTimeout(), response, api),
                new RegistryAuth(config::env), response);
    }
}
