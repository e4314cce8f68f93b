package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.HostMaintenanceFacet;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.PlacementPolicy;
import dev.baton.model.PortSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.status.Endpoint;
import dev.baton.status.Host;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What only several nodes show, on the three-node swarm of {@code .ci/swarm-multinode.sh} (manager n1, workers n2 and
 * n3, each engine in its own network namespace at 10.77.0.11-13): a global job runs one task on every node, distinct
 * hosts spread replicas over all three, a drain moves a task to another node, a rollback puts the old version back on
 * every node, and the endpoints are the nodes' own addresses, which answer from this (another) network namespace. The
 * await's verdicts here rest on tasks of the workers, whose containers the manager's event stream never reports.
 */
class SwarmMultiNodeIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    /** The nodes' addresses on the bridge (swarm-multinode.sh). */
    private static final Set<String> NODE_ADDRESSES = Set.of("10.77.0.11", "10.77.0.12", "10.77.0.13");
    static Orchestrator orchestrator;
    private final List<String> jobs = new ArrayList<>();

    @BeforeAll
    static void connect() {
        SwarmMultiNodeSupport.requireSwarm();
        orchestrator = SwarmMultiNodeSupport.connect();
    }

    @AfterAll
    static void close() {
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    @AfterEach
    void undeploy() {
        for (String job : jobs) {
            try {
                orchestrator.undeploy(job);
            } catch (NotFoundException gone) {
                // gone
            }
        }
    }

    private String job(String kase) {
        String name = "mn-" + kase + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff), 16);
        jobs.add(name);
        return name;
    }

    private static List<InstanceStatus> running(String job) {
        return orchestrator.status(job).instances().stream().filter(i -> i.state() == InstanceState.RUNNING).toList();
    }

    private static Set<String> hostsOf(List<InstanceStatus> instances) {
        return instances.stream().map(InstanceStatus::host).collect(Collectors.toSet());
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waiting for: " + what).isBefore(deadline);
            Thread.sleep(250);
        }
    }

    private static DeploymentResult deploy(JobSpec spec) {
        return orchestrator.deploy(spec).await(TIMEOUT);
    }

    @Test
    void theSwarmHasThreeReadyNodesWithTheirOwnAddresses() {
        List<Host> hosts = orchestrator.hosts();
        assertThat(hosts).hasSize(3).allSatisfy(h -> assertThat(h.state()).isEqualTo(Host.HostState.READY));
        // Status.Addr of a manager can be 0.0.0.0 or 127.0.0.1; the node's reachable address is what a host reports
        assertThat(hosts).extracting(Host::address).containsExactlyInAnyOrderElementsOf(NODE_ADDRESSES);
    }

    @Test
    void aSystemJobRunsOneTaskOnEveryNode() {
        String name = job("global");
        JobSpec spec = SwarmWorkloads.service(name, 1, SwarmWorkloads.server(name, 1).build(), SwarmWorkloads.rollingWithRollback())
                .withGroup("web", g -> g.toBuilder().count(null).build()).toBuilder().type(JobType.SYSTEM).build();

        DeploymentResult result = deploy(spec);

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
        List<InstanceStatus> running = running(name);
        assertThat(running).hasSize(3);
        assertThat(hostsOf(running)).hasSize(3);
    }

    @Test
    void distinctHostsSpreadsReplicasOverTheThreeNodes() {
        String name = job("distinct");
        JobSpec spec = new SwarmWorkloads().healthyService(name, 3, 1).toBuilder()
                .placement(new PlacementPolicy(List.of(), null, true)).build();

        DeploymentResult result = deploy(spec);

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
        assertThat(hostsOf(running(name))).hasSize(3);
    }

    @Test
    void aCountOnlyDeployCompletesOnThreeNodes() {
        String name = job("count");
        SwarmWorkloads w = new SwarmWorkloads();
        assertThat(deploy(w.healthyService(name, 1, 1)).outcome()).isEqualTo(Outcome.HEALTHY);

        // the spec version leaves counts out and swarmkit starts no update when no task is replaced: the await must see
        // the three running tasks, not wait for an UpdateStatus that never comes
        DeploymentResult result = deploy(w.healthyService(name, 3, 1));

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
        assertThat(running(name)).hasSize(3);
    }

    @Test
    void drainingANodeMovesItsTaskToAnotherNode() throws Exception {
        String name = job("drain");
        assertThat(deploy(new SwarmWorkloads().healthyService(name, 1, 1)).outcome()).isEqualTo(Outcome.HEALTHY);
        InstanceStatus before = running(name).get(0);
        Host node = orchestrator.hosts().stream().filter(h -> h.name().equals(before.host())).findFirst().orElseThrow();
        HostMaintenanceFacet maintenance = orchestrator.facet(HostMaintenanceFacet.class).orElseThrow();

        maintenance.drain(node.id(), null, false);
        try {
            eventually("the task runs on another node", () -> running(name).stream()
                    .anyMatch(i -> !i.id().equals(before.id()) && !i.host().equals(before.host())));
            assertThat(running(name)).noneMatch(i -> i.host().equals(before.host()));
        } finally {
            maintenance.activate(node.id());
        }
    }

    @Test
    void aFailedUpdateRollsBackOnEveryNode() {
        String name = job("rollback");
        SwarmWorkloads w = new SwarmWorkloads();
        PlacementPolicy spread = new PlacementPolicy(List.of(), null, true);
        JobSpec good = w.healthyService(name, 3, 1).toBuilder().placement(spread).build();
        assertThat(deploy(good).outcome()).isEqualTo(Outcome.HEALTHY);

        DeploymentResult result = deploy(w.failingService(name, 3).toBuilder().placement(spread).build());

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.ROLLED_BACK);
        List<InstanceStatus> running = running(name);
        assertThat(running).hasSize(3);
        assertThat(hostsOf(running)).hasSize(3);
        assertThat(orchestrator.status(name).version()).isEqualTo(dev.baton.spi.SpecVersion.of(good));
    }

    @Test
    void theEndpointsAreTheNodesAddressesAndAnswerFromAnotherNetworkNamespace() throws Exception {
        String name = job("endpoints");
        int port = SwarmWorkloads.port(name);
        // busybox httpd on the node's host network listens on every address of the node's namespace
        TaskSpec httpd = TaskSpec.builder("server").image(SwarmEngineSupport.IMAGE)
                .command("sh", "-c", "mkdir -p /www && exec httpd -f -p " + port + " -h /www").port(PortSpec.of("http", port)).build();
        JobSpec spec = JobSpec.builder(name)
                .group(GroupSpec.builder("web").count(3).task(httpd).service(ServiceSpec.internal(name, "http")).build())
                .placement(new PlacementPolicy(List.of(), null, true))
                .extension("swarm", SwarmWorkloads.HOST_NETWORK)
                .build();
        DeploymentResult result = deploy(spec);
        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);

        List<Endpoint> endpoints = orchestrator.endpoints(name);

        assertThat(endpoints).hasSize(3).allSatisfy(e -> assertThat(e.port()).isEqualTo(port));
        assertThat(endpoints).extracting(Endpoint::address).containsExactlyInAnyOrderElementsOf(NODE_ADDRESSES);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (Endpoint e : endpoints) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://" + e.hostAndPort() + "/"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            // httpd answers 404 for the empty document root: an HTTP answer from that node is what counts
            assertThat(answer.statusCode()).as("answer from " + e.hostAndPort()).isBetween(200, 499);
        }
    }
}
