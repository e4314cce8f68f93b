package dev.baton.swarm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry credentials of the user's docker configuration, found as the docker CLI finds them, and encoded as the
 * Engine API's {@code X-Registry-Auth} header wants them. Sources, in the CLI's order
 * ({@code cli/config/configfile/file.go GetCredentialsStore}, {@code GetAuthConfig}):
 * <ol>
 *   <li>{@code DOCKER_AUTH_CONFIG}: {@code {"auths": {"<registry>": {"auth": base64(user:password)}}}};</li>
 *   <li>the credential helper for the registry ({@code credHelpers[<registry>]}, else {@code credsStore}) in
 *       {@code $DOCKER_CONFIG/config.json} (default {@code ~/.docker/config.json}): {@code docker-credential-<helper> get}
 *       with the registry on stdin, answering {@code {"ServerURL", "Username", "Secret"}}; the user name
 *       {@code <token>} marks an identity token ({@code cli/config/credentials/native_store.go});</li>
 *   <li>else {@code auths[<registry>]} of that file ({@code auth} = base64(user:password), {@code identitytoken},
 *       {@code registrytoken}), also under a URL whose host is the registry ({@code file_store.go Get},
 *       {@code ConvertToHostname}).</li>
 * </ol>
 * The header is base64url of the JSON {@code AuthConfig} ({@code username}, {@code password}, {@code serveraddress},
 * {@code identitytoken}, {@code registrytoken}; moby {@code api/types/registry/authconfig.go}, docker/cli
 * {@code RetrieveAuthTokenFromImage}). Nothing is sent when no credentials are found. Credentials are never logged, nor
 * put in messages.
 */
public final class RegistryAuth {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryAuth.class);
    private static final String TOKEN_USERNAME = "<token>";
    private static final long HELPER_TIMEOUT_SECONDS = 30;

    private final Function<String, Optional<String>> env;

    /** @param env the environment to read {@code DOCKER_CONFIG}, {@code DOCKER_AUTH_CONFIG}, {@code HOME} and {@code PATH} from */
    public RegistryAuth(Function<String, Optional<String>> env) {
        this.env = env;
    }

    /** No credentials at all (for tests and callers that send none). */
    public static RegistryAuth none() {
        return new RegistryAuth(name -> Optional.of("/nonexistent").filter(x -> name.equals("DOCKER_CONFIG")));
    }

    /** The {@code X-Registry-Auth} value for pulling {@code image}, when the user's configuration has credentials for its registry. */
    public Optional<String> header(ImageRef image) {
        String key = image.authKey();
        Optional<ObjectNode> auth = fromEnvironment(key);
        if (auth.isEmpty()) {
            JsonNode config = config();
            String helper = config.path("credHelpers").path(key).asText(config.path("credsStore").asText(""));
            auth = helper.isBlank() ? fromFile(config, key) : fromHelper(helper, key);
        }
        return auth.map(RegistryAuth::encode);
    }

    private Path configFile() {
        Optional<String> dir = env.apply("DOCKER_CONFIG");
        if (dir.isPresent()) {
            return Path.of(dir.get(), "config.json");
        }
        String home = env.apply("HOME").orElse(System.getProperty("user.home"));
        return Path.of(home, ".docker", "config.json");
    }

    private JsonNode config() {
        Path file = configFile();
        if (!Files.isRegularFile(file)) {
            return Engine.JSON.createObjectNode();
        }
        try {
            return Engine.JSON.readTree(file.toFile());
        } catch (IOException e) {
            LOG.warn("cannot read the docker configuration {} ({}); sending no registry credentials", file, e.getClass().getSimpleName());
            return Engine.JSON.createObjectNode();
        }
    }

    private Optional<ObjectNode> fromEnvironment(String key) {
        Optional<String> text = env.apply("DOCKER_AUTH_CONFIG");
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonNode auths = Engine.JSON.readTree(text.get()).path("auths");
            return withHost(auths, key).flatMap(a -> decoded(a, key));
        } catch (IOException e) {
            LOG.warn("DOCKER_AUTH_CONFIG is not JSON; ignoring it");
            return Optional.empty();
        }
    }

    private static Optional<ObjectNode> fromFile(JsonNode config, String key) {
        return withHost(config.path("auths"), key).flatMap(a -> decoded(a, key));
    }

    /** {@code auths[key]}, or the entry whose key is a URL of that host ({@code file_store.go Get}). */
    private static Optional<JsonNode> withHost(JsonNode auths, String key) {
        if (auths.has(key)) {
            return Optional.of(auths.get(key));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (key.equals(hostname(e.getKey()))) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    /** docker/cli {@code cli/config/credentials/file_store.go ConvertToHostname}. */
    static String hostname(String maybeUrl) {
        String s = maybeUrl;
        if (s.contains("://")) {
            try {
                URI u = URI.create(s);
                if (u.getHost() != null) {
                    return u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
                }
            } catch (IllegalArgumentException ignored) {
                // fall through
            }
            s = s.substring(s.indexOf("://") + 3);
        }
        int slash = s.indexOf('/');
        return slash < 0 ? s : s.substring(0, slash);
    }

    private static Optional<ObjectNode> decoded(JsonNode entry, String key) {
        ObjectNode a = Engine.JSON.createObjectNode();
        String auth = entry.path("auth").asText("");
        if (!auth.isBlank()) {
            String pair;
            try {
                pair = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                LOG.warn("the docker configuration's credentials for {} are not base64; sending none", key);
                return Optional.empty();
            }
            int colon = pair.indexOf(':');
            if (colon <= 0) {
                LOG.warn("the docker configuration's credentials for {} are not user:password; sending none", key);
                return Optional.empty();
            }
            a.put("username", pair.substring(0, colon));
            a.put("password", pair.substring(colon + 1).replace("\0", ""));
        }
        for (String f : new String[] {"identitytoken", "registrytoken"}) {
            if (!entry.path(f).asText("").isBlank()) {
                a.put(f, entry.path(f).asText());
            }
        }
        if (a.isEmpty()) {
            return Optional.empty();
        }
        a.put("serveraddress", key);
        return Optional.of(a);
    }

    private Optional<ObjectNode> fromHelper(String helper, String key) {
        String program = "docker-credential-" + helper;
        Optional<Path> exe = env.apply("PATH").stream().flatMap(p -> java.util.Arrays.stream(p.split(java.io.File.pathSeparator)))
                .filter(d -> !d.isBlank()).map(d -> Path.of(d, program)).filter(Files::isExecutable).findFirst();
        if (exe.isEmpty()) {
            LOG.warn("the docker configuration names the credential helper {}, which is not on the PATH; sending no registry credentials for {}",
                    program, key);
            return Optional.empty();
        }
        try {
            Process p = new ProcessBuilder(exe.get().toString(), "get").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().write(key.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                LOG.warn("{} get did not answer within {} s; sending no registry credentials for {}", program, HELPER_TIMEOUT_SECONDS, key);
                return Optional.empty();
            }
            if (p.exitValue() != 0) {
                // "credentials not found in native keychain" and the like: the CLI sends none then either
                return Optional.empty();
            }
            JsonNode creds = Engine.JSON.readTree(out);
            ObjectNode a = Engine.JSON.createObjectNode();
            String user = creds.path("Username").asText("");
            String secret = creds.path("Secret").asText("");
            if (secret.isEmpty()) {
                return Optional.empty();
            }
            if (TOKEN_USERNAME.equals(user)) {
                a.put("identitytoken", secret);
            } else {
                a.put("username", user);
                a.put("password", secret);
            }
            a.put("serveraddress", key);
            return Optional.of(a);
        } catch (IOException e) {
            LOG.warn("{} get failed ({}); sending no registry credentials for {}", program, e.getClass().getSimpleName(), key);
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static String encode(ObjectNode auth) {
        try {
            return Base64.getUrlEncoder().encodeToString(Engine.JSON.writeValueAsBytes(auth));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
