package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code swarm://} talks to the engine the docker CLI would: {@code DOCKER_HOST}, else the context {@code DOCKER_CONTEXT}
 * names, else the configuration's {@code currentContext}; {@code swarm://context/<name>} names one. The configuration is
 * written as {@code docker context create} writes it (a {@code meta.json} under the SHA-256 of the context's name), and
 * the requests are counted at a stand-in engine that the context points at.
 */
class DockerContextTest {
    private final EngineDouble engine = new EngineDouble()
            .on("GET", "/nodes", r -> EngineDouble.Reply.json(SwarmShapes.array(SwarmShapes.node("n1", "manager", "10.0.0.11", "10.0.0.11:2377"))));
    @TempDir
    Path home;

    @AfterEach
    void stop() {
        engine.close();
    }

    private Path dockerConfig() {
        return home.resolve(".docker");
    }

    private void context(String name, String host, boolean skipVerify) throws Exception {
        String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
        Path meta = dockerConfig().resolve("contexts/meta").resolve(id).resolve("meta.json");
        Files.createDirectories(meta.getParent());
        Files.writeString(meta, "{\"Name\":\"" + name + "\",\"Metadata\":{\"Description\":\"\"},\"Endpoints\":{\"docker\":{\"Host\":\""
                + host + "\",\"SkipTLSVerify\":" + skipVerify + "}}}");
    }

    private void currentContext(String name) throws Exception {
        Files.createDirectories(dockerConfig());
        Files.writeString(dockerConfig().resolve("config.json"), "{\"auths\":{},\"currentContext\":\"" + name + "\"}");
    }

    private Orchestrator connect(String target, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("HOME", home.toString()));
        env.putAll(extra);
        return Orchestrators.connect(Target.parse(target), OrchestratorConfig.builder().environment(env).build());
    }

    @Test
    void theCurrentContextOfTheConfigurationIsTheEngine() throws Exception {
        context("ci", engine.address(), false);
        currentContext("ci");

        try (Orchestrator swarm = connect("swarm://", Map.of())) {
            swarm.platform();
        }

        assertThat(engine.requests("GET", "/version")).isNotEmpty();
    }

    @Test
    void dockerContextOverridesTheConfigurationAndDockerHostOverridesBoth() throws Exception {
        context("ci", engine.address(), false);
        context("other", "tcp://127.0.0.1:1", false);
        currentContext("other");

        try (Orchestrator swarm = connect("swarm://", Map.of("DOCKER_CONTEXT", "ci"))) {
            swarm.platform();
        }
        assertThat(engine.requests("GET", "/version")).hasSize(1);

        try (Orchestrator swarm = connect("swarm://", Map.of("DOCKER_CONTEXT", "other", "DOCKER_HOST", engine.address()))) {
            swarm.platform();
        }
        assertThat(engine.requests("GET", "/version")).hasSize(2);
    }

    @Test
    void aContextIsNamedInTheTarget() throws Exception {
        context("prod", engine.address(), false);

        try (Orchestrator swarm = connect("swarm://context/prod", Map.of())) {
            swarm.platform();
        }

        assertThat(engine.requests("GET", "/version")).isNotEmpty();
    }

    @Test
    void whatCannotBeHonouredIsRefusedWithWhatToDo() throws Exception {
        context("remote", "ssh://deploy@manager.example", false);
        context("insecure", engine.address(), true);

        assertThatThrownBy(() -> connect("swarm://context/remote", Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ssh://deploy@manager.example").hasMessageContaining("swarm://unix/tmp/docker.sock");
        assertThatThrownBy(() -> connect("swarm://", Map.of("DOCKER_HOST", "ssh://deploy@manager.example")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SSH");
        assertThatThrownBy(() -> connect("swarm://context/insecure", Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SkipTLSVerify");
        assertThatThrownBy(() -> connect("swarm://context/missing", Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("docker context \"missing\" does not exist").hasMessageContaining("docker context ls");
        assertThat(engine.requests()).isEmpty();
    }
}
