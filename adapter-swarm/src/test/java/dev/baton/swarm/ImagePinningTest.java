package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.model.JobSpec;
import dev.baton.status.Event;
import dev.baton.swarm.internal.Engine;
import dev.baton.swarm.internal.ImageRef;
import dev.baton.swarm.internal.RegistryAuth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images are pinned to a digest and registry credentials sent, as {@code docker service create} does: the tag is
 * resolved through the engine ({@code GET /distribution/{name}/json}, moby {@code client/service_create.go
 * resolveContainerSpecImage}) and the spec names {@code image:tag@digest}; the user's docker configuration gives the
 * {@code X-Registry-Auth} header (docker/cli {@code RetrieveAuthTokenFromImage}). An image no registry has is sent
 * unpinned, with the CLI's warning. The stand-in engine answers the distribution inspect as the engine does (swagger
 * {@code DistributionInspect}: {@code Descriptor}, {@code Platforms}).
 */
class ImagePinningTest {
    private static final String JOB = "shop";
    private static final String DIGEST = "sha256:" + "ab".repeat(32);
    private final EngineDouble engine = new EngineDouble();
    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        engine.close();
    }

    private static JobSpec spec(String image) {
        return SwarmWorkloads.service(JOB, 1, SwarmWorkloads.server(JOB, 1).image(image).build(), SwarmWorkloads.rollingWithRollback());
    }

    /** An engine with no services, that creates one and then shows it with a task running for a minute. */
    private EngineDouble creating(JobSpec spec) {
        AtomicBoolean created = new AtomicBoolean();
        return engine.on("GET", "/nodes", r -> EngineDouble.Reply.json(SwarmShapes.array(SwarmShapes.node("n1", "m1", "10.0.0.5", "10.0.0.5:2377"))))
                .on("GET", "/services", r -> EngineDouble.Reply.json(created.get() ? SwarmShapes.array(SwarmShapes.service("svc1", spec, 11)) : "[]"))
                .on("POST", "/services/create", r -> {
                    created.set(true);
                    return new EngineDouble.Reply(201, "{\"ID\":\"svc1\"}");
                })
                .on("GET", "/tasks", r -> EngineDouble.Reply.json(SwarmShapes.array(
                        SwarmShapes.task("t1", "svc1", "n1", spec, "running", "running", Instant.now().minusSeconds(60)))));
    }

    private EngineDouble registryHas(String name) {
        return engine.on("GET", "/distribution/" + java.util.regex.Pattern.quote(name) + "/json", r -> EngineDouble.Reply.json(
                "{\"Descriptor\":{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" + DIGEST + "\",\"size\":9125},"
                        + "\"Platforms\":[{\"architecture\":\"amd64\",\"os\":\"linux\"},{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"},"
                        + "{\"architecture\":\"unknown\",\"os\":\"unknown\"},{\"architecture\":\"amd64\",\"os\":\"linux\",\"variant\":\"v3\"}]}"));
    }

    private JsonNode created() {
        return engine.requests("POST", "/services/create").get(0).json();
    }

    private static JsonNode decoded(String header) {
        try {
            return Engine.JSON.readTree(Base64.getUrlDecoder().decode(header));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static RegistryAuth env(Map<String, String> env) {
        return new RegistryAuth(name -> Optional.ofNullable(env.get(name)));
    }

    @Test
    void theTagIsPinnedToTheDigestTheRegistryHasAndItsPlatformsBecomePlacement() {
        JobSpec spec = spec("registry.example.com/shop/web:1.2");
        creating(spec);
        registryHas("registry.example.com/shop/web:1.2");
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            swarm.deploy(spec);
        }

        JsonNode body = created();
        assertThat(body.path("TaskTemplate").path("ContainerSpec").path("Image").asText()).isEqualTo("registry.example.com/shop/web:1.2@" + DIGEST);
        // unknown entries left out, arm's architecture cleared, duplicates merged (moby client/service_create.go)
        assertThat(body.path("TaskTemplate").path("Placement").path("Platforms").toString())
                .isEqualTo("[{\"Architecture\":\"amd64\",\"OS\":\"linux\"},{\"Architecture\":\"\",\"OS\":\"linux\"}]");
        assertThat(engine.requests("POST", "/services/create").get(0).headers()).doesNotContainKey("X-Registry-Auth");
    }

    @Test
    void anImageWithoutATagIsLatestOfDockerHub() {
        JobSpec spec = spec("busybox");
        creating(spec);
        registryHas("busybox:latest");
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            swarm.deploy(spec);
        }
        assertThat(created().path("TaskTemplate").path("ContainerSpec").path("Image").asText()).isEqualTo("busybox:latest@" + DIGEST);
    }

    @Test
    void anImageGivenByDigestIsNotLookedUp() {
        JobSpec spec = spec("registry.example.com/shop/web@" + DIGEST);
        creating(spec);
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            swarm.deploy(spec);
        }
        assertThat(engine.requests()).noneMatch(s -> s.path().startsWith("/distribution/"));
        assertThat(created().path("TaskTemplate").path("ContainerSpec").path("Image").asText()).isEqualTo("registry.example.com/shop/web@" + DIGEST);
    }

    @Test
    void credentialsOfTheDockerConfigGoWithTheLookupAndTheCreate() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"auths\": {\"https://registry.example.com/v1/\": {\"auth\": \""
                + Base64.getEncoder().encodeToString("deployer:s3cret".getBytes(StandardCharsets.UTF_8)) + "\"},"
                + " \"https://index.docker.io/v1/\": {\"auth\": \"" + Base64.getEncoder().encodeToString("hub:other".getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        JobSpec spec = spec("registry.example.com/shop/web:1.2");
        creating(spec);
        registryHas("registry.example.com/shop/web:1.2");
        try (SwarmOrchestrator swarm = engine.orchestrator(env(Map.of("DOCKER_CONFIG", dir.toString())), Duration.ofSeconds(30))) {
            swarm.deploy(spec);
        }

        for (EngineDouble.Seen s : List.of(engine.requests("GET", "/distribution/registry.example.com/shop/web:1.2/json").get(0),
                engine.requests("POST", "/services/create").get(0))) {
            JsonNode auth = decoded(s.headers().get("X-Registry-Auth"));
            assertThat(auth.path("username").asText()).isEqualTo("deployer");
            assertThat(auth.path("password").asText()).isEqualTo("s3cret");
            assertThat(auth.path("serveraddress").asText()).isEqualTo("registry.example.com");
        }
    }

    @Test
    void aCredentialHelperIsAskedAsTheDockerCliAsksIt() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path asked = dir.resolve("asked");
        Path helper = bin.resolve("docker-credential-baton-test");
        Files.writeString(helper, "#!/bin/sh\n[ \"$1\" = get ] || exit 1\ncat > " + asked + "\n"
                + "printf '{\"ServerURL\":\"https://index.docker.io/v1/\",\"Username\":\"<token>\",\"Secret\":\"id-token-1\"}'\n");
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("config.json"), "{\"credsStore\": \"baton-test\", \"credHelpers\": {\"registry.example.com\": \"none-such\"}}");
        JobSpec spec = spec("shop/web:2");
        creating(spec);
        registryHas("shop/web:2");
        try (SwarmOrchestrator swarm = engine.orchestrator(env(Map.of("DOCKER_CONFIG", dir.toString(), "PATH", bin.toString())), Duration.ofSeconds(30))) {
            swarm.deploy(spec);
        }

        assertThat(Files.readString(asked)).isEqualTo("https://index.docker.io/v1/");
        JsonNode auth = decoded(engine.requests("POST", "/services/create").get(0).headers().get("X-Registry-Auth"));
        assertThat(auth.path("identitytoken").asText()).isEqualTo("id-token-1");
        assertThat(auth.has("password")).isFalse();
        assertThat(created().path("TaskTemplate").path("ContainerSpec").path("Image").asText()).isEqualTo("shop/web:2@" + DIGEST);
    }

    @Test
    void anImageNoRegistryHasIsSentUnpinnedWithTheDockerCliWarning() {
        JobSpec spec = spec(SwarmEngineSupport.IMAGE);
        creating(spec);
        // as the engine answers for localhost/baton-busybox:1 with nothing listening on localhost:80
        engine.on("GET", "/distribution/.*", r -> EngineDouble.Reply.error(500, "Get \"http://localhost/v2/\": dial tcp 127.0.0.1:80: connect: connection refused"));
        List<Event> events = new CopyOnWriteArrayList<>();
        DeploymentResult result;
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            var deployment = swarm.deploy(spec);
            deployment.onEvent(events::add);
            result = deployment.await(Duration.ofSeconds(20));
        }

        assertThat(created().path("TaskTemplate").path("ContainerSpec").path("Image").asText()).isEqualTo(SwarmEngineSupport.IMAGE);
        assertThat(created().path("TaskTemplate").has("Placement")).isFalse();
        String warning = SwarmOrchestrator.digestWarning(SwarmEngineSupport.IMAGE);
        assertThat(warning).isEqualTo("image localhost/baton-busybox:1 could not be accessed on a registry to record its digest. Each node will access "
                + "localhost/baton-busybox:1 independently, possibly leading to different nodes running different versions of the image.");
        assertThat(result.outcome()).isEqualTo(Outcome.HEALTHY);
        assertThat(result.message()).contains(warning).contains("connection refused");
        assertThat(events).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo(Event.Type.PLATFORM);
            assertThat(e.message()).startsWith("warning: " + warning);
        });
    }

    @Test
    void referencesAreReadAsTheDistributionLibraryReadsThem() {
        assertThat(ImageRef.parse("busybox")).isEqualTo(new ImageRef("docker.io", "library/busybox", null, null));
        assertThat(ImageRef.parse("busybox").withDefaultTag().familiar()).isEqualTo("busybox:latest");
        assertThat(ImageRef.parse("docker.io/library/busybox:1.36").familiar()).isEqualTo("busybox:1.36");
        assertThat(ImageRef.parse("index.docker.io/shop/web").authKey()).isEqualTo("https://index.docker.io/v1/");
        assertThat(ImageRef.parse("localhost/baton-busybox:1")).isEqualTo(new ImageRef("localhost", "baton-busybox", "1", null));
        assertThat(ImageRef.parse("localhost:5000/a/b:c").authKey()).isEqualTo("localhost:5000");
        assertThat(ImageRef.parse("Registry/x").domain()).isEqualTo("Registry");
        assertThat(ImageRef.parse("ghcr.io/o/r:t@" + DIGEST).withDefaultTag().familiar()).isEqualTo("ghcr.io/o/r:t@" + DIGEST);
        assertThat(ImageRef.parse("ghcr.io/o/r:t").withDigest(DIGEST).familiar()).isEqualTo("ghcr.io/o/r:t@" + DIGEST);
        assertThat(RegistryAuth.class).isNotNull();
    }
}
