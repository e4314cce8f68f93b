package dev.baton;

import dev.baton.spi.RetryPolicy;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings for a connection: the default namespace, timeouts, the retry policy for requests that are safe to
 * repeat, adapter-specific properties, and the environment the adapter reads its ecosystem's variables from
 * ({@code NOMAD_ADDR}, {@code DOCKER_HOST}, …; the process environment unless set, so tests can supply their own).
 *
 * @since 0.1
 */
public final class OrchestratorConfig {
    private final String namespace;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final RetryPolicy retryPolicy;
    private final Map<String, String> properties;
    private final Map<String, String> environment;

    private OrchestratorConfig(Builder b) {
        this.namespace = b.namespace;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.retryPolicy = b.retryPolicy;
        this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(b.properties));
        this.environment = b.environment == null ? System.getenv() : Map.copyOf(b.environment);
    }

    public static OrchestratorConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.namespace = namespace;
        b.connectTimeout = connectTimeout;
        b.requestTimeout = requestTimeout;
        b.retryPolicy = retryPolicy;
        b.properties.putAll(properties);
        b.environment = environment;
        return b;
    }

    /** The namespace jobs live in when the spec names none; {@code null} for the platform's default. */
    public String namespace() {
        return namespace;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The read/call timeout of one request (long-poll and watch requests add their own wait to it). */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    public Map<String, String> properties() {
        return properties;
    }

    public Optional<String> property(String key) {
        return Optional.ofNullable(properties.get(key));
    }

    /** A variable of the environment the adapter honours (its ecosystem's own variables). */
    public Optional<String> env(String name) {
        return Optional.ofNullable(environment.get(name)).filter(v -> !v.isBlank());
    }

    /** Sets up an {@link OrchestratorConfig}. */
    public static final class Builder {
        private String namespace;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private Map<String, String> environment;

        private Builder() {
        }

        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = Objects.requireNonNull(d);
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = Objects.requireNonNull(d);
            return this;
        }

        public Builder retryPolicy(RetryPolicy p) {
            this.retryPolicy = Objects.requireNonNull(p);
            return this;
        }

        public Builder property(String key, String value) {
            this.properties.put(key, value);
            return this;
        }

        /** Replaces the process environment as the source of the ecosystem's variables. */
        public Builder environment(Map<String, String> env) {
            this.environment = Map.copyOf(env);
            return this;
        }

        public OrchestratorConfig build() {
            return new OrchestratorConfig(this);
        }
    }
}
