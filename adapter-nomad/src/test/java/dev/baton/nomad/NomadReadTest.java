package dev.baton.nomad;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.LogsFacet;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.Selector;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.TaskSpec;
import dev.baton.status.Event;
import dev.baton.status.Host;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobSummary;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the adapter reads from Nomad, and where: ports and addresses from the allocation list with resources, node labels
 * from each node, jobs without the launches of a cron job, logs of the tasks that have started, events from the current
 * index each once. Each test also checks that {@link NomadDouble} answers there as Nomad does.
 */
class NomadReadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private NomadDouble nomad;
    private WireMockServer wire;

    @AfterEach
    void stop() {
        if (nomad != null) {
            nomad.shutdown();
        }
        if (wire != null) {
            wire.stop();
        }
    }

    static HttpResponse<String> http(String method, String address, String pathAndQuery, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + address + pathAndQuery)).timeout(Duration.ofSeconds(20));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode getJson(String address, String pathAndQuery) throws Exception {
        HttpResponse<String> r = http("GET", address, pathAndQuery, null);
        assertThat(r.statusCode()).as(pathAndQuery + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String line(ServeEvent e) {
        String url = e.getRequest().getUrl();
        return e.getRequest().getMethod().getName() + " " + url;
    }

    private static String path(ServeEvent e) {
        String url = e.getRequest().getUrl();
        return e.getRequest().getMethod().getName() + " " + (url.contains("?") ? url.substring(0, url.indexOf('?')) : url);
    }

    /**
     * Finding 1: {@code /v1/job/:id/allocations} answers AllocListStub without AllocatedResources (nomad/job_endpoint.go
     * Allocations: {@code alloc.Stub(nil)}), so status reads the allocations from {@code /v1/allocations} filtered to the
     * job with {@code resources=true}: ports and host addresses in the same four requests a status always took.
     */
    @Test
    void statusReportsPortsAndHostAddressesFromTheAllocationListWithResources() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            assertThat(o.deploy(NomadRequestsTest.job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);

            // the double answers as Nomad: stubs of the job's allocations carry no AllocatedResources, the full allocation does
            JsonNode stubs = getJson(nomad.address(), "/v1/job/web/allocations");
            assertThat(stubs).hasSize(2).allSatisfy(a -> {
                assertThat(a.has("AllocatedResources")).isFalse();
                assertThat(a.has("JobVersion")).isTrue();
                assertThat(a.has("BatonVersion")).isFalse();
            });
            JsonNode full = getJson(nomad.address(), "/v1/allocation/" + stubs.get(0).path("ID").asText());
            assertThat(full.path("AllocatedResources").path("Shared").path("Ports").get(0).path("Label").asText()).isEqualTo("http");
            assertThat(full.path("Job").path("ID").asText()).isEqualTo("web");
            JsonNode withResources = getJson(nomad.address(), "/v1/allocations?resources=true&filter=JobID%20%3D%3D%20%22web%22");
            assertThat(withResources).hasSize(2).allSatisfy(a -> assertThat(a.path("AllocatedResources").path("Shared").path("Ports")).hasSize(1));
            assertThat(getJson(nomad.address(), "/v1/allocations?filter=JobID%20%3D%3D%20%22web%22").get(0).has("AllocatedResources")).isFalse();

            int before = nomad.requests.size();
            List<InstanceStatus> instances = o.status("web").instances();

            assertThat(instances).hasSize(2).allSatisfy(i -> {
                assertThat(i.ports()).containsOnlyKeys("http");
                assertThat(i.ports().get("http")).isBetween(20000, 29999);
                assertThat(i.address()).isEqualTo("127.0.0.1");
            });
            assertThat(instances.get(0).ports().get("http")).isNotEqualTo(instances.get(1).ports().get("http"));
            // two requests (issue 16: no deployment, no version history): no request per allocation
            assertThat(nomad.requests.subList(before, nomad.requests.size())).map(NomadReadTest::line).containsExactly("GET /v1/job/web",
                    "GET /v1/allocations?filter=JobID%20%3D%3D%20%22web%22&resources=true");
        }
    }

    /**
     * Finding 7: a node list entry (NodeListStub) has no Meta and, of the Attributes, only {@code os.name} with
     * {@code os=true}; hosts() reads each node for its labels: one list plus one request per node.
     */
    @Test
    void hostLabelsAreEachNodesAttributesAndMeta() throws Exception {
        nomad = new NomadDouble();
        JsonNode stubs = getJson(nomad.address(), "/v1/nodes?resources=true");
        assertThat(stubs).hasSize(2).allSatisfy(n -> {
            assertThat(n.has("Meta")).isFalse();
            assertThat(n.has("Attributes")).isFalse();
            assertThat(n.path("NodeResources").path("Cpu").path("CpuShares").asInt()).isEqualTo(4000);
        });
        assertThat(getJson(nomad.address(), "/v1/nodes?os=true").get(0).path("Attributes").properties()).hasSize(1);
        int before = nomad.requests.size();
        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            List<Host> hosts = o.hosts();

            assertThat(hosts).extracting(Host::name).containsExactly("node-1", "node-2");
            Host first = hosts.get(0);
            assertThat(first.labels()).containsEntry("zone", "eu-1a").containsEntry("disk", "ssd").containsEntry("kernel.name", "linux")
                    .containsEntry("cpu.arch", "amd64");
            assertThat(hosts.get(1).labels()).containsEntry("zone", "eu-1b");
            assertThat(first.address()).isEqualTo("127.0.0.1");
            assertThat(first.state()).isEqualTo(Host.HostState.READY);
            assertThat(first.availability()).isEqualTo(Host.Availability.ACTIVE);
            assertThat(first.cpuCapacity()).isEqualTo(dev.baton.model.Cpu.ofMillicores(4000));
            assertThat(first.memoryCapacity()).isEqualTo(dev.baton.model.ByteSize.ofMebibytes(8192));
        }
        // 1 + N requests (was 1, which could not carry the labels)
        assertThat(nomad.requests.subList(before, nomad.requests.size())).map(NomadReadTest::line).containsExactly("GET /v1/nodes", "GET /v1/node/" + NomadDouble.NODE_1, "GET /v1/node/" + NomadDouble.NODE_2);
    }

    /**
     * Finding 8: each launch of a periodic job is a job of its own, {@code <parent>/periodic-<unix seconds>} with
     * ParentID and the parent's Meta (nomad/periodic.go deriveJob); list() leaves them out.
     */
    @Test
    void listLeavesOutTheLaunchesOfACronJob() throws Exception {
        nomad = new NomadDouble();
        JobSpec cron = JobSpec.builder("nightly").type(JobType.CRON).schedule("0 3 * * *")
                .group(GroupSpec.builder("run").task(TaskSpec.builder("t").image("localhost/x:1").build()).build()).build();
        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            o.deploy(NomadRequestsTest.job()).await(Duration.ofSeconds(10));
            assertThat(o.deploy(cron).await(Duration.ofSeconds(10)).outcome()).isIn(Outcome.HEALTHY, Outcome.COMPLETED);
            // a periodic job gets no allocations of its own (job_endpoint.go Register creates no evaluation for it)
            assertThat(getJson(nomad.address(), "/v1/job/nightly/allocations")).isEmpty();
            HttpResponse<String> forced = http("POST", nomad.address(), "/v1/job/nightly/periodic/force", "");
            assertThat(forced.statusCode()).as(forced.body()).isEqualTo(200);
            // the clock's next launch is skipped while that child runs: the job prohibits overlap (PeriodicDispatch.dispatch)
            assertThat(nomad.launch("nightly", Instant.now().plusSeconds(60))).isNull();
            String launched = getJson(nomad.address(), "/v1/jobs?prefix=nightly/").get(0).path("ID").asText();
            assertThat(http("POST", nomad.address(), "/v1/job/web/periodic/force", "").body()).isEqualTo("can't force launch non-periodic job");

            JsonNode jobs = getJson(nomad.address(), "/v1/jobs?meta=true");
            assertThat(jobs).hasSize(3);
            assertThat(jobs).filteredOn(j -> j.path("ParentID").asText().equals("nightly")).singleElement().satisfies(j -> {
                assertThat(j.path("ID").asText()).matches("nightly/periodic-\\d+");
                assertThat(j.path("Meta").path("baton.dev/job").asText()).isEqualTo("nightly");
                assertThat(j.path("Periodic").asBoolean()).isFalse();
            });
            // the child is scheduled a moment after its registration, as a batch job of its own
            String childAllocs = "/v1/job/" + java.net.URLEncoder.encode(launched, java.nio.charset.StandardCharsets.UTF_8) + "/allocations";
            long until = System.currentTimeMillis() + 5000;
            while (getJson(nomad.address(), childAllocs).isEmpty() && System.currentTimeMillis() < until) {
                Thread.sleep(20);
            }
            assertThat(getJson(nomad.address(), childAllocs)).hasSize(1);

            List<JobSummary> listed = o.list(Selector.all());

            assertThat(listed).extracting(JobSummary::jobId).containsExactlyInAnyOrder("web", "nightly");
            assertThat(listed).filteredOn(j -> j.jobId().equals("nightly")).singleElement().satisfies(j -> assertThat(j.type()).isEqualTo("batch"));
        }
    }

    /**
     * Finding 6: the client answers 404 {@code task "<t>" not started yet. No logs available} for a task that has not
     * started (client/fs_endpoint.go logsImpl); logs() skips such a task without asking and keeps the others.
     */
    @Test
    void logsSkipATaskThatHasNotStartedAndKeepTheOthers() throws Exception {
        nomad = new NomadDouble();
        JobSpec one = NomadRequestsTest.job().withCount("g", 1);
        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            assertThat(o.deploy(one).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            nomad.holdStarts(true);
            o.scale("web", "g", 2);
            long until = System.currentTimeMillis() + 10_000;
            while (o.status("web").instances().size() < 2 && System.currentTimeMillis() < until) {
                Thread.sleep(50);
            }
            List<InstanceStatus> instances = o.status("web").instances();
            assertThat(instances).extracting(InstanceStatus::state).containsExactlyInAnyOrder(InstanceState.RUNNING, InstanceState.PENDING);
            String pending = instances.stream().filter(i -> i.state() == InstanceState.PENDING).findFirst().orElseThrow().id();
            String running = instances.stream().filter(i -> i.state() == InstanceState.RUNNING).findFirst().orElseThrow().id();
            HttpResponse<String> notStarted = http("GET", nomad.address(), "/v1/client/fs/logs/" + pending + "?task=t&type=stdout&plain=true", null);
            assertThat(notStarted.statusCode()).isEqualTo(404);
            assertThat(notStarted.body()).isEqualTo("task \"t\" not started yet. No logs available");

            int before = nomad.requests.size();
            var lines = o.facet(LogsFacet.class).orElseThrow().logs("web", 10);

            assertThat(lines).hasSize(2 * 2).allSatisfy(l -> assertThat(l.instance()).isEqualTo("web.g[0].t"));
            // the job's allocations, then stdout and stderr of the task that started; nothing for the one that did not
            assertThat(nomad.requests.subList(before, nomad.requests.size())).map(NomadReadTest::path).containsExactly(
                    "GET /v1/job/web/allocations", "GET /v1/client/fs/logs/" + running, "GET /v1/client/fs/logs/" + running);
        }
    }

    /** Finding 6: a task whose logs cannot be read (its allocation collected: 404) is skipped, the others are kept. */
    @Test
    void aTaskWhoseLogsCannotBeReadIsSkipped() throws Exception {
        wire = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        String started = "{\"t\":{\"State\":\"running\",\"StartedAt\":\"2024-05-01T10:00:00Z\",\"Events\":[]}}";
        wire.stubFor(get(urlPathEqualTo("/v1/job/web/allocations")).willReturn(aResponse().withStatus(200).withBody(
                "[{\"ID\":\"a1\",\"Name\":\"web.g[0]\",\"DesiredStatus\":\"run\",\"ClientStatus\":\"running\",\"TaskStates\":" + started + "},"
                        + "{\"ID\":\"a2\",\"Name\":\"web.g[1]\",\"DesiredStatus\":\"run\",\"ClientStatus\":\"running\",\"TaskStates\":" + started + "}]")));
        wire.stubFor(get(urlPathEqualTo("/v1/client/fs/logs/a1")).willReturn(aResponse().withStatus(200).withBody("one\ntwo\n")));
        wire.stubFor(get(urlPathEqualTo("/v1/client/fs/logs/a2")).willReturn(aResponse().withStatus(404).withBody("Unknown allocation \"a2\"")));
        try (Orchestrator o = NomadRequestsTest.connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(5))) {
            var lines = o.facet(LogsFacet.class).orElseThrow().logs("web", 10);

            assertThat(lines).hasSize(4).allSatisfy(l -> assertThat(l.instance()).isEqualTo("web.g[0].t"));

            wire.stubFor(get(urlPathEqualTo("/v1/client/fs/logs/a1")).willReturn(aResponse().withStatus(404).withBody("Unknown allocation \"a1\"")));
            assertThatThrownBy(() -> o.facet(LogsFacet.class).orElseThrow().logs("web", 10)).isInstanceOf(NotFoundException.class)
                    .hasMessageContaining("Unknown allocation");
        }
    }

    /** Finding 5: a frame whose index is not above the last one delivered (sent again at the resume index) is skipped. */
    @Test
    void aFrameSentAgainIsDeliveredOnce() throws Exception {
        List<Event> events = new ArrayList<>();
        var seen = new java.util.concurrent.atomic.AtomicLong(10);
        JsonNode old = JSON.readTree("{\"Index\":10,\"Events\":[{\"Topic\":\"Job\",\"Type\":\"JobRegistered\",\"Key\":\"web\"}]}");
        JsonNode next = JSON.readTree("{\"Index\":12,\"Events\":[{\"Topic\":\"Allocation\",\"Type\":\"AllocationUpdated\",\"Key\":\"a1\","
                + "\"FilterKeys\":[\"web\",\"\"]},{\"Topic\":\"Allocation\",\"Type\":\"AllocationUpdated\",\"Key\":\"a2\",\"FilterKeys\":[\"other\"]}]}");
        for (JsonNode f : List.of(old, next, next, old)) {
            NomadOrchestrator.deliver("web", f, seen, events::add);
        }
        assertThat(events).extracting(Event::message).containsExactly("Allocation AllocationUpdated");
        assertThat(events.get(0).instance()).isEqualTo("a1");
        assertThat(seen.get()).isEqualTo(12);
    }

    /** The job's events in the double's broker buffer after {@code index}, as the adapter reports them ("Topic Type"). */
    private List<String> eventsAfter(long index, String job) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode f : nomad.frames()) {
            if (f.path("Index").asLong() <= index) {
                continue;
            }
            for (JsonNode e : f.path("Events")) {
                boolean ours = e.path("Key").asText().equals(job);
                for (JsonNode k : e.path("FilterKeys")) {
                    ours |= k.asText().equals(job);
                }
                if (ours) {
                    out.add(e.path("Topic").asText() + " " + e.path("Type").asText());
                }
            }
        }
        return out;
    }

    /**
     * Finding 5: Nomad's broker starts a subscription at index 0 at the head of its buffer (history), and one at index N
     * at the frame of N (nomad/stream/event_broker.go Subscribe, event_buffer.go StartAtClosest). A watch starts at the
     * job's current index (three reads: the jobs, allocs and deployment tables' indexes), and delivers each frame once
     * though the double drops the stream after every batch and sends the frame at the resume index again.
     */
    @Test
    void aWatchStartsAtTheCurrentIndexAndDeliversEachFrameOnce() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            assertThat(o.deploy(NomadRequestsTest.job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            // the double's broker: index 0 replays the buffer; index N starts at the frame of N
            List<JsonNode> frames = nomad.frames();
            long second = frames.get(1).path("Index").asLong();
            String replay = http("GET", nomad.address(), "/v1/event/stream?index=0", null).body();
            assertThat(replay.lines().toList()).first().isEqualTo("{}");
            assertThat(JSON.readTree(replay.lines().toList().get(1)).path("Index").asLong()).isEqualTo(frames.get(0).path("Index").asLong());
            String resumed = http("GET", nomad.address(), "/v1/event/stream?index=" + second, null).body();
            assertThat(JSON.readTree(resumed.lines().toList().get(1)).path("Index").asLong()).isEqualTo(second);

            long at = frames.get(frames.size() - 1).path("Index").asLong();
            int before = nomad.requests.size();
            List<Event> events = new CopyOnWriteArrayList<>();
            try (var sub = o.watch("web", events::add)) {
                Thread.sleep(1500);
                assertThat(events).as("no history").isEmpty();
                // three reads for the current index, before the stream
                assertThat(nomad.requests.subList(before, before + 4)).map(NomadReadTest::path).containsExactly(
                        "GET /v1/jobs", "GET /v1/job/web/allocations", "GET /v1/job/web/deployment", "GET /v1/event/stream");

                assertThat(o.scale("web", "g", 3).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
                List<String> expected = eventsAfter(at, "web");
                assertThat(expected).contains("Job JobRegistered", "Deployment PlanResult", "Allocation PlanResult", "Allocation AllocationUpdated",
                        "Deployment DeploymentStatusUpdate");
                long until = System.currentTimeMillis() + 10_000;
                while (events.size() < expected.size() && System.currentTimeMillis() < until) {
                    Thread.sleep(50);
                }
                // two more rounds of drop and resume, each sending the last frame again
                Thread.sleep(6500);
                assertThat(events).extracting(Event::message).containsExactlyElementsOf(expected);
            }
            assertThat(nomad.requests).map(NomadReadTest::line).filteredOn(l -> l.startsWith("GET /v1/event/stream?topic=")).hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(l -> assertThat(l).contains("topic=Job%3Aweb").contains("topic=Allocation%3Aweb").contains("topic=Deployment%3Aweb"))
                    .noneMatch(l -> l.contains("index=0"));
        }
    }
}
