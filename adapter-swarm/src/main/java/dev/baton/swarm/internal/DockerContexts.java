package dev.baton.swarm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Function;

/**
 * The engine a docker CLI user's configuration names, found as the CLI finds it (docker/cli
 * {@code cli/command/cli.go resolveContextName} and {@code cli/context/store}):
 * <ol>
 *   <li>{@code DOCKER_HOST}, when set, is the engine (the {@code default} context);</li>
 *   <li>else the context {@code DOCKER_CONTEXT} names;</li>
 *   <li>else {@code currentContext} of {@code $DOCKER_CONFIG/config.json} (default {@code ~/.docker/config.json});</li>
 *   <li>else, and for the context {@code default}, the local socket {@code unix:///var/run/docker.sock}.</li>
 * </ol>
 * A context's endpoint is {@code Endpoints.docker.Host} of {@code contexts/meta/<sha256 of its name>/meta.json} under
 * the configuration directory; its TLS material, when it has some, is {@code ca.pem}, {@code cert.pem} and
 * {@code key.pem} in {@code contexts/tls/<sha256 of its name>/docker/}. A context that does not exist, an endpoint
 * whose TLS is not verified ({@code SkipTLSVerify}) and an {@code ssh://} engine are refused with what to do instead:
 * the transport Baton uses has no SSH, and an unverified TLS connection is not something Baton makes.
 */
public final class DockerContexts {
    /** The engine when nothing names another. */
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    /** An engine address and the directory of its client certificates, if it uses TLS. */
    public record Resolved(String context, String host, Path tlsDir) {
    }

    private DockerContexts() {
    }

    /** The configuration directory: {@code DOCKER_CONFIG}, else {@code $HOME/.docker}. */
    public static Path configDir(Function<String, Optional<String>> env) {
        return env.apply("DOCKER_CONFIG").filter(s -> !s.isBlank()).map(Path::of)
                .orElseGet(() -> Path.of(env.apply("HOME").filter(s -> !s.isBlank()).orElse(System.getProperty("user.home")), ".docker"));
    }

    /**
     * The engine of {@code swarm://}: {@code DOCKER_HOST}, else the current context's. {@code tlsDir} is null unless
     * the engine is a context's with TLS material (for {@code DOCKER_HOST} the caller applies {@code DOCKER_CERT_PATH}).
     */
    public static Resolved current(Function<String, Optional<String>> env) {
        Optional<String> host = env.apply("DOCKER_HOST").filter(h -> !h.isBlank());
        if (host.isPresent()) {
            return new Resolved("default", checked(host.get(), "DOCKER_HOST"), null);
        }
        Optional<String> name = env.apply("DOCKER_CONTEXT").filter(n -> !n.isBlank());
        if (name.isEmpty()) {
            name = currentContext(configDir(env));
        }
        return named(name.orElse("default"), env);
    }

    /** The engine of the context {@code name} ({@code swarm://context/<name>}). */
    public static Resolved named(String name, Function<String, Optional<String>> env) {
        if (name.equals("default")) {
            return new Resolved("default", DEFAULT_HOST, null);
        }
        Path dir = configDir(env);
        String id = sha256(name);
        Path meta = dir.resolve("contexts").resolve("meta").resolve(id).resolve("meta.json");
        JsonNode docker;
        try {
            docker = Engine.JSON.readTree(Files.readString(meta, StandardCharsets.UTF_8)).path("Endpoints").path("docker");
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("the docker context \"" + name + "\" does not exist (no " + meta
                    + "); list them with: docker context ls");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the docker context \"" + name + "\" from " + meta + ": " + e.getMessage(), e);
        }
        String host = docker.path("Host").asText("");
        if (host.isBlank()) {
            throw new IllegalArgumentException("the docker context \"" + name + "\" (" + meta + ") names no Docker endpoint");
        }
        String what = "the docker context \"" + name + "\"";
        host = checked(host, what);
        if (docker.path("SkipTLSVerify").asBoolean(false)) {
            throw new IllegalArgumentException(what + " skips TLS verification (SkipTLSVerify), which baton-swarm does not do; "
                    + "give the context the engine's CA (docker context update --docker ca=...)");
        }
        Path tls = dir.resolve("contexts").resolve("tls").resolve(id).resolve("docker");
        return new Resolved(name, host, host.startsWith("tcp://") && Files.isDirectory(tls) ? tls : null);
    }

    private static String checked(String host, String where) {
        if (host.startsWith("ssh://")) {
            throw new IllegalArgumentException(where + " names the engine " + host + ", reached over SSH, which baton-swarm's "
                    + "transport (docker-java with Apache HttpClient 5) cannot do; forward the engine's socket "
                    + "(ssh -nNT -L /tmp/docker.sock:/var/run/docker.sock " + host.substring("ssh://".length())
                    + ") and use swarm://unix/tmp/docker.sock");
        }
        if (!host.startsWith("unix://") && !host.startsWith("tcp://")) {
            throw new IllegalArgumentException(where + " names the engine " + host + "; baton-swarm reaches engines at unix:// and tcp:// addresses");
        }
        return host;
    }

    private static Optional<String> currentContext(Path configDir) {
        Path file = configDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            String name = Engine.JSON.readTree(Files.readString(file, StandardCharsets.UTF_8)).path("currentContext").asText("");
            return name.isBlank() ? Optional.empty() : Optional.of(name);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the docker configuration " + file + ": " + e.getMessage(), e);
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
