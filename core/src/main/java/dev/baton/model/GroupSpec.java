package dev.baton.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A set of tasks that share a lifecycle and a network (a pod or task group), run {@code count} times.
 * {@code count} is {@code null} when not given: one instance, or one per host for a system job.
 *
 * @since 0.1
 */
public record GroupSpec(String name, Integer count, List<TaskSpec> tasks, List<ServiceSpec> services, RestartPolicy restart) {

    public GroupSpec {
        tasks = Copy.list(tasks);
        services = Copy.list(services);
    }

    /** {@code count}, or 1 when not given. */
    public int countOrDefault() {
        return count == null ? 1 : count;
    }

    public Optional<TaskSpec> task(String taskName) {
        return tasks.stream().filter(t -> t.name().equals(taskName)).findFirst();
    }

    /** The task that declares a port of this name, if any. */
    public Optional<TaskSpec> taskWithPort(String portName) {
        return tasks.stream().filter(t -> t.ports().stream().anyMatch(p -> p.name().equals(portName))).findFirst();
    }

    /** The port of this name among all of the group's tasks, if any. */
    public Optional<PortSpec> port(String portName) {
        return tasks.stream().flatMap(t -> t.ports().stream()).filter(p -> p.name().equals(portName)).findFirst();
    }

    public static Builder builder(String name) {
        return new Builder().name(name);
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.count = count;
        b.tasks = new ArrayList<>(tasks);
        b.services = new ArrayList<>(services);
        b.restart = restart;
        return b;
    }

    /** Builds a {@link GroupSpec}. */
    public static final class Builder {
        private String name;
        private Integer count;
        private List<TaskSpec> tasks = new ArrayList<>();
        private List<ServiceSpec> services = new ArrayList<>();
        private RestartPolicy restart;

        private Builder() {
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder count(Integer count) {
            this.count = count;
            return this;
        }

        public Builder task(TaskSpec task) {
            this.tasks.add(task);
            return this;
        }

        public Builder tasks(List<TaskSpec> tasks) {
            this.tasks = new ArrayList<>(tasks);
            return this;
        }

        public Builder service(ServiceSpec service) {
            this.services.add(service);
            return this;
        }

        public Builder services(List<ServiceSpec> services) {
            this.services = new ArrayList<>(services);
            return this;
        }

        public Builder restart(RestartPolicy restart) {
            this.restart = restart;
            return this;
        }

        public GroupSpec build() {
            return new GroupSpec(name, count, tasks, services, restart);
        }
    }
}
