package dev.baton.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One container or process in a group. With an {@code image} it is a container task ({@code command} then
 * overrides the entrypoint); without one it is a process task and {@code command} is required.
 *
 * @since 0.1
 */
public record TaskSpec(
        String name,
        String image,
        List<String> command,
        List<String> args,
        Map<String, String> env,
        String workingDir,
        Resources resources,
        List<PortSpec> ports,
        List<HealthCheck> health,
        List<SecretMount> secrets,
        List<VolumeMount> volumes) {

    public TaskSpec {
        command = Copy.list(command);
        args = Copy.list(args);
        env = Copy.map(env);
        ports = Copy.list(ports);
        health = Copy.list(health);
        secrets = Copy.list(secrets);
        volumes = Copy.list(volumes);
    }

    public TaskKind kind() {
        return image == null ? TaskKind.PROCESS : TaskKind.CONTAINER;
    }

    public static Builder builder(String name) {
        return new Builder().name(name);
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.image = image;
        b.command = new ArrayList<>(command);
        b.args = new ArrayList<>(args);
        b.env = new LinkedHashMap<>(env);
        b.workingDir = workingDir;
        b.resources = resources;
        b.ports = new ArrayList<>(ports);
        b.health = new ArrayList<>(health);
        b.secrets = new ArrayList<>(secrets);
        b.volumes = new ArrayList<>(volumes);
        return b;
    }

    /** Builds a {@link TaskSpec}; the result is checked when it is deployed, rendered or validated. */
    public static final class Builder {
        private String name;
        private String image;
        private List<String> command = new ArrayList<>();
        private List<String> args = new ArrayList<>();
        private Map<String, String> env = new LinkedHashMap<>();
        private String workingDir;
        private Resources resources;
        private List<PortSpec> ports = new ArrayList<>();
        private List<HealthCheck> health = new ArrayList<>();
        private List<SecretMount> secrets = new ArrayList<>();
        private List<VolumeMount> volumes = new ArrayList<>();

        private Builder() {
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder image(String image) {
            this.image = image;
            return this;
        }

        public Builder command(String... command) {
            return command(List.of(command));
        }

        public Builder command(List<String> command) {
            this.command = new ArrayList<>(command);
            return this;
        }

        public Builder args(String... args) {
            return args(List.of(args));
        }

        public Builder args(List<String> args) {
            this.args = new ArrayList<>(args);
            return this;
        }

        public Builder env(String key, String value) {
            this.env.put(key, value);
            return this;
        }

        public Builder env(Map<String, String> env) {
            this.env = new LinkedHashMap<>(env);
            return this;
        }

        public Builder workingDir(String workingDir) {
            this.workingDir = workingDir;
            return this;
        }

        public Builder resources(Resources resources) {
            this.resources = resources;
            return this;
        }

        public Builder resources(String cpu, String memory) {
            return resources(Resources.of(cpu, memory));
        }

        public Builder port(PortSpec port) {
            this.ports.add(port);
            return this;
        }

        public Builder ports(List<PortSpec> ports) {
            this.ports = new ArrayList<>(ports);
            return this;
        }

        public Builder health(HealthCheck check) {
            this.health.add(check);
            return this;
        }

        public Builder health(List<HealthCheck> health) {
            this.health = new ArrayList<>(health);
            return this;
        }

        public Builder secret(SecretMount mount) {
            this.secrets.add(mount);
            return this;
        }

        public Builder secrets(List<SecretMount> secrets) {
            this.secrets = new ArrayList<>(secrets);
            return this;
        }

        public Builder volume(VolumeMount mount) {
            this.volumes.add(mount);
            return this;
        }

        public Builder volumes(List<VolumeMount> volumes) {
            this.volumes = new ArrayList<>(volumes);
            return this;
        }

        public TaskSpec build() {
            return new TaskSpec(name, image, command, args, env, workingDir, resources, ports, health, secrets, volumes);
        }
    }
}
