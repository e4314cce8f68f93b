package dev.baton.swarm;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskState;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.baton.OrchestratorConfig;
import dev.baton.Target;
import dev.baton.benchmarks.sidebyside.Comparison;
import dev.baton.benchmarks.sidebyside.Laps;
import dev.baton.benchmarks.sidebyside.Platform;
import dev.baton.benchmarks.sidebyside.Side;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Swarm: the real engine of this machine ({@code unix:///var/run/docker.sock}, a single-node swarm, the test image
 * {@code localhost/baton-busybox:1}). Baton deploys one replica of the test image's server on the host network, awaits
 * it running and undeploys it; a docker-java user creates the service spec Baton renders, lists the service's tasks
 * every 100 ms until one is running, and removes the service. The job sets {@code update.minHealthyTime: 1ms} and has
 * no health check, so Baton's "healthy" is the native user's "running" (without it Baton waits swarmkit's default
 * monitor of 5 s). Only services named {@code bench-…} are created and removed. Baton's requests are
 * {@link SwarmOrchestrator#engineRequests()}, the native user's are counted by a wrapper of its transport.
 */
public final class SwarmSideBySide implements Platform {
    static final String SOCKET = "/var/run/docker.sock";
    static final String IMAGE = "localhost/baton-busybox:1";
    private static final String PREFIX = "bench-";
    private static final int PORT = 29_517;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final ObjectMapper DOCKER_JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL).configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

    private final SwarmOrchestrator baton;
    private final CountingTransport counting;
    private final DockerClient docker;
    /** A client of the same engine whose requests are not counted: cleaning up, waiting for containers to go. */
    private final DockerClient housekeeping;

    public SwarmSideBySide() {
        if (!Files.exists(Path.of(SOCKET))) {
            throw new IllegalStateException(SOCKET + " does not exist: no Docker engine here");
        }
        housekeeping = client(null);
        var info = housekeeping.infoCmd().exec();
        if (info.getSwarm() == null || !"active".equalsIgnoreCase(String.valueOf(info.getSwarm().getLocalNodeState()))) {
            throw new IllegalStateException("the engine at " + SOCKET + " is not in swarm mode");
        }
        if (housekeeping.listImagesCmd().withImageNameFilter(IMAGE).exec().isEmpty()) {
            throw new IllegalStateException("the test image " + IMAGE + " is missing");
        }
        removeOurServices();
        baton = (SwarmOrchestrator) new SwarmProvider().create(Target.parse("swarm://unix" + SOCKET),
                OrchestratorConfig.builder().environment(Map.of()).requestTimeout(Duration.ofSeconds(30)).build());
        counting = new CountingTransport(transport());
        docker = client(counting);
    }

    private static DockerHttpClient transport() {
        return new ApacheDockerHttpClient.Builder().dockerHost(java.net.URI.create("unix://" + SOCKET)).responseTimeout(Duration.ofSeconds(60)).build();
    }

    private static DockerClient client(DockerHttpClient transport) {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost("unix://" + SOCKET).build();
        return DockerClientImpl.getInstance(config, transport == null ? transport() : transport);
    }

    /** The job both sides deploy: one replica of the test image's server on the host network, one service, no check. */
    static JobSpec spec(String name) {
        TaskSpec server = TaskSpec.builder("server").image(IMAGE).command("/bin/serve", Integer.toString(PORT)).port(PortSpec.of("http", PORT)).build();
        return JobSpec.builder(name)
                .group(GroupSpec.builder("web").count(1).task(server).service(dev.baton.model.ServiceSpec.internal(name, "http")).build())
                .update(UpdatePolicy.rolling().withParallelism(1).withMinHealthyTime(Duration.ofMillis(1)))
                .extension("swarm", Map.of("TaskTemplate", Map.of("Networks", List.of(Map.of("Target", "host")))))
                .build();
    }

    /** The service spec Baton renders for the job, as docker-java's model (what the native user creates). */
    private ServiceSpec nativeSpec(String name) throws IOException {
        String rendered = baton.render(spec(name)).content();
        ServiceSpec spec = DOCKER_JSON.readValue(rendered, ServiceSpec.class);
        if (!covers(DOCKER_JSON.valueToTree(spec), DOCKER_JSON.readTree(rendered))) {
            throw new IllegalStateException("docker-java's ServiceSpec does not carry all of Baton's rendered spec: " + rendered);
        }
        return spec;
    }

    /** Whether {@code sent} has every field of {@code rendered} with the same value (numbers compared as numbers). */
    private static boolean covers(JsonNode sent, JsonNode rendered) {
        if (rendered.isObject()) {
            for (var it = rendered.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!sent.has(f.getKey()) || !covers(sent.get(f.getKey()), f.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (rendered.isArray()) {
            if (!sent.isArray() || sent.size() != rendered.size()) {
                return false;
            }
            for (int i = 0; i < rendered.size(); i++) {
                if (!covers(sent.get(i), rendered.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (rendered.isNumber()) {
            return sent.isNumber() && sent.decimalValue().compareTo(rendered.decimalValue()) == 0;
        }
        return rendered.equals(sent);
    }

    @Override
    public List<Comparison> comparisons() {
        Laps batonLaps = new Laps();
        Laps nativeLaps = new Laps();
        Side.RequestCount batonRequests = new Side.RequestCount() {
            private int at;

            @Override
            public void reset() {
                at = baton.engineRequests();
            }

            @Override
            public int count() {
                return baton.engineRequests() - at;
            }
        };
        Side.RequestCount nativeRequests = new Side.RequestCount() {
            private int at;

            @Override
            public void reset() {
                at = counting.requests.get();
            }

            @Override
            public int count() {
                return counting.requests.get() - at;
            }
        };
        return List.of(new Comparison("Swarm, real engine: deploy + await running + undeploy, 1 replica",
                Side.batonCycle(baton, round -> spec(PREFIX + "b-" + round), TIMEOUT, batonRequests, batonLaps),
                new Side(round -> {
                    ServiceSpec s = nativeSpec(PREFIX + "n-" + round);
                    return () -> {
                        nativeLaps.start();
                        String id = docker.createServiceCmd(s).exec().getId();
                        nativeLaps.lap("create");
                        awaitRunning(id, s.getName());
                        nativeLaps.lap("poll");
                        docker.removeServiceCmd(id).exec();
                        nativeLaps.lap("remove");
                    };
                }, nativeRequests, nativeLaps),
                this::awaitContainersGone));
    }

    private static final Set<TaskState> ENDED = Set.of(TaskState.FAILED, TaskState.REJECTED, TaskState.COMPLETE, TaskState.SHUTDOWN,
            TaskState.ORPHANED, TaskState.REMOVE);

    /** The docker-java user's wait: the service's tasks, every 100 ms, until one is running. */
    private void awaitRunning(String id, String name) throws InterruptedException {
        long until = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            List<Task> tasks = docker.listTasksCmd().withServiceFilter(id).exec();
            for (Task t : tasks) {
                TaskState state = t.getStatus() == null ? null : t.getStatus().getState();
                if (state == TaskState.RUNNING) {
                    return;
                }
                if (state != null && ENDED.contains(state)) {
                    throw new IllegalStateException(name + ": task " + t.getId() + " " + state + ": " + t.getStatus().getErr());
                }
            }
            if (System.nanoTime() > until) {
                throw new IllegalStateException(name + ": no running task after " + TIMEOUT);
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Waits (not timed) until the containers of the services removed so far are gone, so that their stopping is not in the next run's time. */
    private void awaitContainersGone() throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (housekeeping.listContainersCmd().withShowAll(true).exec().stream()
                .anyMatch(c -> c.getNames() != null && List.of(c.getNames()).stream().anyMatch(n -> n.startsWith("/" + PREFIX)))) {
            if (System.nanoTime() > until) {
                System.err.println("  (containers of removed bench- services still there after 30 s)");
                return;
            }
            Thread.sleep(50);
        }
    }

    /** Removes every service named {@code bench-…}: this benchmark's own, left by a run that was interrupted. */
    private void removeOurServices() {
        for (Service s : housekeeping.listServicesCmd().exec()) {
            if (s.getSpec() != null && s.getSpec().getName() != null && s.getSpec().getName().startsWith(PREFIX)) {
                housekeeping.removeServiceCmd(s.getId()).exec();
            }
        }
    }

    /** A docker-java transport that counts the requests sent through it. */
    private static final class CountingTransport implements DockerHttpClient {
        final AtomicInteger requests = new AtomicInteger();
        private final DockerHttpClient delegate;

        CountingTransport(DockerHttpClient delegate) {
            this.delegate = delegate;
        }

        @Override
        public Response execute(Request request) {
            requests.incrementAndGet();
            return delegate.execute(request);
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }

    @Override
    public void close() {
        try {
            removeOurServices();
            baton.close();
            docker.close();
            housekeeping.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
