package dev.baton.local;

import dev.baton.Capabilities;
import dev.baton.Feature;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Target;
import dev.baton.local.internal.Engine;
import dev.baton.local.internal.RemoteBackend;
import dev.baton.model.CheckKind;
import dev.baton.model.Exposure;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.model.Operator;
import dev.baton.model.RestartMode;
import dev.baton.model.TaskKind;
import dev.baton.model.UpdateStrategy;
import dev.baton.spi.OrchestratorProvider;
import java.nio.file.Path;

/**
 * Provides {@code local://}: process tasks on this machine. {@code local://} talks to the supervisor daemon of the
 * state directory (starting it when none runs), so jobs keep running and a later command sees them;
 * {@code local://embedded} runs the supervisor inside this JVM and stops everything when the orchestrator is closed.
 * The state directory is the config property {@code local.stateDir}, else {@code $BATON_HOME/local}, else
 * {@code ~/.baton/local}; {@code local://embedded} without {@code local.stateDir} uses a temporary one of its own,
 * removed on close.
 *
 * @since 0.1
 */
public final class LocalProvider implements OrchestratorProvider {

    static final Capabilities CAPABILITIES = Capabilities.builder("local")
            .jobTypes(JobType.values())
            .taskKinds(TaskKind.PROCESS)
            .checkKinds(CheckKind.values())
            .exposures(Exposure.values())
            .restartModes(RestartMode.values())
            .updateStrategies(UpdateStrategy.values())
            .onFailure(OnFailure.values())
            .constraintOperators(Operator.values())
            .features(Feature.NAMESPACES, Feature.CRON_TIME_ZONE, Feature.LABELS, Feature.MULTI_TASK_GROUPS,
                    Feature.SCALE_TO_ZERO, Feature.WORKING_DIR, Feature.CPU_RESOURCES, Feature.MEMORY_RESOURCES,
                    Feature.STATIC_PORTS, Feature.DYNAMIC_PORTS, Feature.UDP_PORTS, Feature.CHECK_GRACE_PERIOD,
                    Feature.SECRETS_AS_ENV, Feature.SECRETS_AS_FILES, Feature.VOLUMES, Feature.MULTI_HOST_VOLUMES,
                    Feature.RESTART_ATTEMPTS, Feature.RESTART_DELAY, Feature.UPDATE_PARALLELISM, Feature.UPDATE_DELAY,
                    Feature.UPDATE_MIN_HEALTHY_TIME, Feature.UPDATE_HEALTHY_DEADLINE, Feature.UPDATE_CANARY,
                    Feature.PLACEMENT_SPREAD, Feature.PLACEMENT_DISTINCT_HOSTS, Feature.SCALE, Feature.ROLLBACK,
                    Feature.LOGS, Feature.SECRET_STORE, Feature.EVENTS)
            .reason("task.container", "the local adapter runs processes on this machine and has no container runtime; "
                    + "give the task a command instead of an image")
            .reason("feature.CONTAINER_COMMAND", "the local adapter runs no containers")
            .reason("feature.VOLUME_SIZE", "a local volume is a directory, which has no size limit")
            .reason("feature.READ_ONLY_MOUNTS", "a local volume is a directory linked into the instance's root; it cannot be made read-only for one task only")
            .reason("feature.FIXED_PUBLISHED_PORT", "the local adapter does not proxy ports; give the task port itself the number instead")
            .reason("feature.DRAIN", "there is one host, this machine; draining it would stop every job")
            .build();

    @Override
    public String id() {
        return "local";
    }

    @Override
    public boolean supports(Target target) {
        return target.scheme().equals("local");
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public String artifact() {
        return "dev.baton:baton-local";
    }

    /** The state directory for a configuration. */
    public static Path stateDir(OrchestratorConfig config) {
        return config.property("local.stateDir").map(Path::of)
                .or(() -> config.env("BATON_HOME").map(h -> Path.of(h, "local")))
                .orElseGet(() -> Path.of(System.getProperty("user.home"), ".baton", "local"));
    }

    @Override
    public Orchestrator create(Target target, OrchestratorConfig config) {
        boolean embedded = target.address().equals("embedded") || config.property("local.mode").orElse("").equals("embedded");
        if (embedded) {
            // an embedded supervisor's jobs end with it: unless told where, it keeps them in a directory of its own,
            // removed on close, and never takes over (or ends) the jobs of the daemon's state directory
            boolean temporary = config.property("local.stateDir").isEmpty();
            Path dir = temporary ? temporaryStateDir() : stateDir(config);
            return new LocalOrchestrator(new Engine(dir, config), config, temporary ? dir : null);
        }
        Path stateDir = stateDir(config);
        return new LocalOrchestrator(new RemoteBackend(stateDir, config.requestTimeout(), config), config, null);
    }

    private static Path temporaryStateDir() {
        try {
            return java.nio.file.Files.createTempDirectory("baton-local-",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create a state directory for local://embedded", e);
        }
    }
}
