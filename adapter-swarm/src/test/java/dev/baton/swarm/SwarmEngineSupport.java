package dev.baton.swarm;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The real Docker engine in swarm mode the Swarm tests run on (started by {@code .ci/swarm-setup.sh}), with the test
 * image {@code localhost/baton-busybox:1}. Without one, the tests are skipped with a message that says how to start
 * it; in CI ({@code CI} set), they fail instead.
 */
final class SwarmEngineSupport {
    static final String IMAGE = "localhost/baton-busybox:1";
    static final String SOCKET = "/var/run/docker.sock";
    private static final String HOW = "start one as root with: bash .ci/swarm-setup.sh";

    private SwarmEngineSupport() {
    }

    /** Skips (or, in CI, fails) unless the engine answers, is a swarm manager and has the test image. */
    static void requireEngine() {
        String problem = problem();
        if (problem == null) {
            return;
        }
        if (System.getenv("CI") != null) {
            fail("the Swarm integration tests need a Docker engine in swarm mode, and CI must provide one: " + problem);
        }
        abort("no Docker engine in swarm mode here (" + problem + "); " + HOW);
    }

    private static String problem() {
        if (!Files.exists(Path.of(SOCKET))) {
            return SOCKET + " does not exist";
        }
        try (DockerClient docker = client()) {
            var info = docker.infoCmd().exec();
            if (info.getSwarm() == null || !"active".equalsIgnoreCase(String.valueOf(info.getSwarm().getLocalNodeState()))) {
                return "the engine is not in swarm mode (docker swarm init --advertise-addr 127.0.0.1)";
            }
            if (docker.listImagesCmd().withImageNameFilter(IMAGE).exec().isEmpty()) {
                return "the test image " + IMAGE + " is missing";
            }
            return null;
        } catch (Exception e) {
            return "the engine at " + SOCKET + " does not answer: " + e;
        }
    }

    /** A docker-java client for what the tests check behind the adapter's back (tasks, containers, exec). */
    static DockerClient client() {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost("unix://" + SOCKET).build();
        return DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .responseTimeout(Duration.ofSeconds(60)).build());
    }

    static Orchestrator connect() {
        return Orchestrators.connect(Target.parse("swarm://"), OrchestratorConfig.builder().environment(Map.of())
                .requestTimeout(Duration.ofSeconds(30)).build());
    }
}
