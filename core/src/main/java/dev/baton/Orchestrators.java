package dev.baton;

import dev.baton.internal.GuardedOrchestrator;
import dev.baton.spi.OrchestratorProvider;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point: finds the adapter for an endpoint on the class path and connects to it.
 *
 * <pre>{@code
 * try (Orchestrator o = Orchestrators.connect("nomad://127.0.0.1:4646")) {
 *     o.deploy(Specs.read(Path.of("job.yaml"))).await(Duration.ofMinutes(5));
 * }
 * }</pre>
 *
 * Providers are found with {@link ServiceLoader}, first through the thread's context class loader, then through
 * core's own; among those that support the endpoint the highest priority wins, and the choice is logged with the
 * jar it came from. Every orchestrator returned checks specs (validation, then the platform's capabilities)
 * before its adapter sees them.
 *
 * @since 0.1
 */
public final class Orchestrators {
    private static final Logger LOG = LoggerFactory.getLogger(Orchestrators.class);

    /** Artifacts that provide each scheme, for the message when none is on the class path. */
    private static final Map<String, String> ARTIFACTS = Map.of(
            "kubernetes", "dev.baton:baton-kubernetes",
            "swarm", "dev.baton:baton-swarm",
            "nomad", "dev.baton:baton-nomad",
            "marathon", "dev.baton:baton-marathon",
            "local", "dev.baton:baton-local");

    private Orchestrators() {
    }

    /** Connects to an endpoint such as {@code local://}, {@code nomad://host:4646} or {@code kubernetes://}. */
    public static Orchestrator connect(String endpoint) {
        return connect(Target.parse(endpoint), OrchestratorConfig.defaults());
    }

    public static Orchestrator connect(Target target, OrchestratorConfig config) {
        OrchestratorProvider provider = provider(target);
        LOG.info("connecting to {} with provider {} ({}) from {}", target, provider.id(), provider.getClass().getName(),
                origin(provider.getClass()));
        return new GuardedOrchestrator(provider.create(target, config), provider.capabilities());
    }

    /** The provider that would serve a target. */
    public static OrchestratorProvider provider(Target target) {
        List<OrchestratorProvider> candidates = providers().stream().filter(p -> p.supports(target)).toList();
        if (candidates.isEmpty()) {
            String artifact = ARTIFACTS.get(target.scheme());
            throw UnsupportedCapabilityException.operation(target.scheme(), "connections to " + target,
                    artifact != null
                            ? "no provider for " + target.scheme() + ":// on the class path; add the artifact " + artifact
                            : "no provider supports the scheme " + target.scheme() + ":// (known: " + String.join(", ", ARTIFACTS.keySet()) + ")");
        }
        return candidates.stream().max(Comparator.comparingInt(OrchestratorProvider::priority)).orElseThrow();
    }

    /** Every provider on the class path, each id once (the context class loader's first). */
    public static List<OrchestratorProvider> providers() {
        Map<String, OrchestratorProvider> byClass = new LinkedHashMap<>();
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            ServiceLoader.load(OrchestratorProvider.class, context).forEach(p -> byClass.putIfAbsent(p.getClass().getName(), p));
        }
        ServiceLoader.load(OrchestratorProvider.class, Orchestrators.class.getClassLoader())
                .forEach(p -> byClass.putIfAbsent(p.getClass().getName(), p));
        return new ArrayList<>(byClass.values());
    }

    /** The provider with this platform id, if one is on the class path. */
    public static Optional<OrchestratorProvider> provider(String platformId) {
        return providers().stream().filter(p -> p.id().equals(platformId))
                .max(Comparator.comparingInt(OrchestratorProvider::priority));
    }

    private static String origin(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null ? "an unknown location" : source.getLocation().toString();
    }
}
