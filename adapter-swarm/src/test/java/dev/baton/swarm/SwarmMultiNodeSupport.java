package dev.baton.swarm;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The three-node swarm that {@code .ci/swarm-multinode.sh start} runs beside the host engine: manager {@code n1} and
 * workers {@code n2}, {@code n3}, each engine in its own network namespace (10.77.0.11-13), each with its own API
 * socket in one directory ({@code /run/baton-swarm/n1.sock} …), the test image loaded into each. The manager's socket
 * is {@code BATON_SWARM_MULTINODE} ({@code unix:///run/baton-swarm/n1.sock}, exported by {@code .ci/run}), else that
 * default. Without the swarm the tests are skipped with the command that starts it; with {@code CI} set they fail.
 * The workers' sockets are found beside the manager's and told apart by the node id each engine reports.
 */
final class SwarmMultiNodeSupport {
    static final String ENV = "BATON_SWARM_MULTINODE";
    static final String DEFAULT_MANAGER = "unix:///run/baton-swarm/n1.sock";
    static final int NODES = 3;
    private static final String HOW = "start it as root with: bash .ci/swarm-multinode.sh start";

    private SwarmMultiNodeSupport() {
    }

    /** The manager's socket, {@code unix:///…}. */
    static String manager() {
        String env = System.getenv(ENV);
        return env == null || env.isBlank() ? DEFAULT_MANAGER : env;
    }

    static Path managerSocket() {
        return Path.of(manager().replaceFirst("^unix://", ""));
    }

    /** Skips (or, in CI, fails) unless the three-node swarm answers, every node is ready and has the test image. */
    static void requireSwarm() {
        String problem = problem();
        if (problem == null) {
            return;
        }
        if (System.getenv("CI") != null) {
            fail("the multi-node Swarm tests need the three-node swarm, and CI must provide one: " + problem);
        }
        abort("no three-node swarm here (" + problem + "); " + HOW);
    }

    private static String problem() {
        if (!manager().startsWith("unix://")) {
            return ENV + " must name a unix socket (unix:///run/baton-swarm/n1.sock), not " + manager();
        }
        if (!Files.exists(managerSocket())) {
            return managerSocket() + " does not exist";
        }
        try (DockerClient m = client(manager())) {
            var info = m.infoCmd().exec();
            if (info.getSwarm() == null || !Boolean.TRUE.equals(info.getSwarm().getControlAvailable())) {
                return "the engine at " + manager() + " is not a swarm manager";
            }
            List<SwarmNode> nodes = m.listSwarmNodesCmd().exec();
            long ready = nodes.stream().filter(n -> n.getStatus() != null && "READY".equals(String.valueOf(n.getStatus().getState()))).count();
            if (nodes.size() != NODES || ready != NODES) {
                return "the swarm has " + nodes.size() + " nodes, " + ready + " ready; it needs " + NODES;
            }
            Map<String, String> sockets = nodeSockets();
            if (sockets.size() != NODES) {
                return "found the sockets of " + sockets.size() + " of the " + NODES + " nodes beside " + managerSocket();
            }
            for (String socket : sockets.values()) {
                try (DockerClient n = client(socket)) {
                    if (n.listImagesCmd().withImageNameFilter(SwarmEngineSupport.IMAGE).exec().isEmpty()) {
                        return "the test image " + SwarmEngineSupport.IMAGE + " is missing on " + socket;
                    }
                }
            }
            return null;
        } catch (Exception e) {
            return "the engine at " + manager() + " does not answer: " + e;
        }
    }

    /** The swarm node id of each engine whose socket lies beside the manager's, to that socket. */
    static Map<String, String> nodeSockets() {
        Map<String, String> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(managerSocket().getParent())) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".sock")).sorted().toList()) {
                try (DockerClient c = client("unix://" + p)) {
                    String id = c.infoCmd().exec().getSwarm().getNodeID();
                    if (id != null && !id.isBlank()) {
                        out.put(id, "unix://" + p);
                    }
                } catch (Exception notAnEngine) {
                    // a socket of something else
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    static DockerClient client(String dockerHost) {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
        return DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .responseTimeout(Duration.ofSeconds(60)).build());
    }

    /** The workloads, reading tasks from the manager and running {@code docker exec} on each task's own node. */
    static SwarmWorkloads workloads() {
        Map<String, String> sockets = nodeSockets();
        return new SwarmWorkloads(() -> client(manager()), nodeId -> client(sockets.get(nodeId)));
    }

    /** Baton connected to the manager as a user would: {@code swarm://unix/run/baton-swarm/n1.sock}. */
    static Orchestrator connect() {
        return Orchestrators.connect(Target.parse("swarm://unix" + managerSocket()), OrchestratorConfig.builder().environment(Map.of())
                .requestTimeout(Duration.ofSeconds(30)).build());
    }
}
