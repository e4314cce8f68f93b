package dev.baton;

/**
 * A spec feature or operation a platform may or may not honour, beyond the enumerated kinds in
 * {@link Capabilities}.
 *
 * @since 0.1
 */
public enum Feature {
    /** {@code namespace} on the job. */
    NAMESPACES("namespace"),
    /** {@code timeZone} on a cron job. */
    CRON_TIME_ZONE("cron time zone"),
    /** Labels copied onto native objects. */
    LABELS("labels"),
    /** A group with more than one task (a pod). */
    MULTI_TASK_GROUPS("groups with several tasks"),
    /** A group with {@code count: 0}. */
    SCALE_TO_ZERO("count 0"),
    /** {@code workingDir} on a task. */
    WORKING_DIR("working directory"),
    /** {@code command} on a container task (entrypoint override). */
    CONTAINER_COMMAND("command on a container task"),
    /** {@code resources.cpu}. */
    CPU_RESOURCES("cpu resources"),
    /** {@code resources.memory}. */
    MEMORY_RESOURCES("memory resources"),
    /** A port with a fixed number. */
    STATIC_PORTS("static ports"),
    /** A port the platform assigns. */
    DYNAMIC_PORTS("dynamic ports"),
    /** {@code protocol: udp}. */
    UDP_PORTS("udp ports"),
    /** Health check grace period. */
    CHECK_GRACE_PERIOD("health check grace period"),
    /** A secret given to a task as an environment variable. */
    SECRETS_AS_ENV("secrets as environment variables"),
    /** A secret given to a task as a file. */
    SECRETS_AS_FILES("secrets as files"),
    /** Volumes mounted by one host at a time. */
    VOLUMES("volumes"),
    /** Volumes mounted by several hosts at once. */
    MULTI_HOST_VOLUMES("multi-host volumes"),
    /** Volume size. */
    VOLUME_SIZE("volume size"),
    /** Read-only volume mounts. */
    READ_ONLY_MOUNTS("read-only mounts"),
    /** A fixed published port number. */
    FIXED_PUBLISHED_PORT("fixed published port"),
    /** {@code restart.attempts}. */
    RESTART_ATTEMPTS("restart attempts"),
    /** {@code restart.delay}. */
    RESTART_DELAY("restart delay"),
    /** {@code update.parallelism}. */
    UPDATE_PARALLELISM("update parallelism"),
    /** {@code update.delay}. */
    UPDATE_DELAY("update delay"),
    /** {@code update.minHealthyTime}. */
    UPDATE_MIN_HEALTHY_TIME("update min healthy time"),
    /** {@code update.healthyDeadline}. */
    UPDATE_HEALTHY_DEADLINE("update healthy deadline"),
    /** {@code update.canary}. */
    UPDATE_CANARY("canary updates"),
    /** {@code placement.spread}. */
    PLACEMENT_SPREAD("spread"),
    /** {@code placement.distinctHosts}. */
    PLACEMENT_DISTINCT_HOSTS("distinct hosts"),
    /** Scaling a group. */
    SCALE("scale"),
    /** Rolling back to the previous version. */
    ROLLBACK("rollback"),
    /** Draining and re-activating hosts. */
    DRAIN("drain"),
    /** Reading instance logs. */
    LOGS("logs"),
    /** Storing secrets through the secrets facet. */
    SECRET_STORE("secret store"),
    /** Watching events. */
    EVENTS("events");

    private final String title;

    Feature(String title) {
        this.title = title;
    }

    /** A short human name, used in errors. */
    public String title() {
        return title;
    }
}
