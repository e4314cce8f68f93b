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

    /** Artifacts that provide each scheme, for the message when none is on the class path; in the order to list them. */
    private static final Map<String, String> ARTIFACTS = artifacts();

    private static Map<String, String> artifacts() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kubernetes", "dev.baton:baton-kubernetes");
        m.put("swarm", "dev.baton:baton-swarm");
        m.put("nomad", "dev.baton:baton-nomad");
        m.put("marathon", "dev.baton:baton-marathon");
        m.put("local", "dev.baton:baton-local");
        return java.util.Collections.unmodifiableMap(m);
    }

    private Orchestrators() {
    }

    /**
     * Connects to an endpoint such as {@code local://}, {@code nomad://host:4646} or {@code kubernetes://}.
     *
     * @throws IllegalArgumentException when the endpoint has no scheme, or a scheme no provider serves (the message
     *         lists the known ones)
     * @throws UnsupportedCapabilityException when the scheme is Baton's but its adapter is not on the class path (the
     *         message names the artifact to add)
     */
    public static Orchestrator connect(String endpoint) {
        return connect(Target.parse(endpoint), OrchestratorConfig.defaults());
    }

    /**
     * Connects to a target with the given settings.
     *
     * @throws IllegalArgumentException when no provider serves the target's scheme, and it is none of Baton's
     * @throws UnsupportedCapabilityException when the scheme is Baton's but its adapter is not on the class path
     */
    public static Orchestrator connect(Target target, OrchestratorConfig config) {
        OrchestratorProvider provider = provider(target);
        LOG.info("connecting to {} with provider {} ({}) from {}", target, provider.id(), provider.getClass().getName(),
                origin(provider.getClass()));
        return new GuardedOrchestrator(provider.create(target, config), provider.capabilities());
    }

    /**
     * The provider that would serve a target.
     *
     * @throws IllegalArgumentException when no provider serves the target's scheme, and it is none of Baton's: a
     *         mistyped endpoint; the message lists the schemes that are known
     * @throws UnsupportedCapabilityException when the scheme is Baton's but its adapter is not on the class path
     */
    public static OrchestratorProvider provider(Target target) {
        List<OrchestratorProvider> all = providers();
        List<OrchestratorProvider> candidates = all.stream().filter(p -> p.supports(target)).toList();
        if (candidates.isEmpty()) {
            String artifact = ARTIFACTS.get(target.scheme());
            if (artifact == null) {
                throw new IllegalArgumentException("no provider supports the scheme " + target.scheme() + ":// (known: "
                        + String.join(", ", knownSchemes(all)) + ")");
            }
            throw UnsupportedCapabilityException.operation(target.scheme(), "connections to " + target,
                    "no provider for " + target.scheme() + ":// on the class path; add the artifact " + artifact);
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

    /**
     * The schemes an endpoint may have, for messages: Baton's own platforms first ({@code kubernetes://},
     * {@code swarm://}, {@code nomad://}, {@code marathon://}, {@code local://}, each marked when its adapter is not on
     * the class path), then those of other providers found, then the aliases ({@code k8s://}).
     */
    static List<String> knownSchemes(List<OrchestratorProvider> providers) {
        List<String> out = new ArrayList<>();
        for (String scheme : ARTIFACTS.keySet()) {
            boolean present = providers.stream().anyMatch(p -> p.supports(new Target(scheme, "")));
            out.add(scheme + "://" + (present ? "" : " (add " + ARTIFACTS.get(scheme) + ")"));
        }
        providers.stream().map(OrchestratorProvider::id).filter(id -> !ARTIFACTS.containsKey(id)).distinct().sorted()
                .forEach(id -> out.add(id + "://"));
        Target.ALIASES.forEach((alias, scheme) -> out.add(alias + ":// (= " + scheme + "://)"));
        return out;
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
