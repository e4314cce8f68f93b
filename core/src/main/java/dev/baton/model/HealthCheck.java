package dev.baton.model;

import java.util.List;
import java.util.Objects;

/**
 * A health check of a task: exactly one of http, tcp or exec, with its timing.
 *
 * @since 0.1
 */
public sealed interface HealthCheck permits HealthCheck.Http, HealthCheck.Tcp, HealthCheck.Exec {

    CheckTiming timing();

    CheckKind kind();

    /** The same check with other timing. */
    HealthCheck withTiming(CheckTiming timing);

    /** An HTTP GET against a named port and path; healthy on a 2xx or 3xx answer. */
    record Http(String port, String path, CheckTiming timing) implements HealthCheck {
        public Http {
            Objects.requireNonNull(port, "port");
            path = path == null ? "/" : path;
            timing = timing == null ? CheckTiming.DEFAULT : timing;
        }

        @Override
        public CheckKind kind() {
            return CheckKind.HTTP;
        }

        @Override
        public Http withTiming(CheckTiming t) {
            return new Http(port, path, t);
        }
    }

    /** A TCP connection to a named port. */
    record Tcp(String port, CheckTiming timing) implements HealthCheck {
        public Tcp {
            Objects.requireNonNull(port, "port");
            timing = timing == null ? CheckTiming.DEFAULT : timing;
        }

        @Override
        public CheckKind kind() {
            return CheckKind.TCP;
        }

        @Override
        public Tcp withTiming(CheckTiming t) {
            return new Tcp(port, t);
        }
    }

    /** A command run in the task's context; healthy on exit code 0. */
    record Exec(List<String> command, CheckTiming timing) implements HealthCheck {
        public Exec {
            command = Copy.list(command);
            timing = timing == null ? CheckTiming.DEFAULT : timing;
        }

        @Override
        public CheckKind kind() {
            return CheckKind.EXEC;
        }

        @Override
        public Exec withTiming(CheckTiming t) {
            return new Exec(command, t);
        }
    }

    static Http http(String port, String path) {
        return new Http(port, path, CheckTiming.DEFAULT);
    }

    static Tcp tcp(String port) {
        return new Tcp(port, CheckTiming.DEFAULT);
    }

    static Exec exec(String... command) {
        return new Exec(List.of(command), CheckTiming.DEFAULT);
    }
}
