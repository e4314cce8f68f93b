package dev.baton.marathon;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Subscription;
import dev.baton.Target;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, items 4 and 7: what a deploy, its wait and an undeploy send to Marathon, counted at the double (WireMock's
 * request journal, plus the event streams its servlet served beside WireMock). The orchestrator keeps one event stream
 * and decides from it what it can: it reads a job only when the stream says something it waits on happened, and never
 * lists every deployment or every pod of the cluster.
 */
class MarathonRequestBudgetTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private MarathonDouble marathon;

    @BeforeEach
    void start() {
        marathon = new MarathonDouble();
    }

    @AfterEach
    void stop() {
        marathon.shutdown();
    }

    private Orchestrator connect() {
        return Orchestrators.connect(Target.parse("marathon://" + marathon.address()),
                OrchestratorConfig.builder().environment(Map.of()).requestTimeout(Duration.ofSeconds(5)).build());
    }

    /** One group with one service and two instances: the budget case of issue 16, item 7. */
    private static JobSpec web() {
        return JobSpec.builder("web").group(GroupSpec.builder("g").count(2)
                .task(TaskSpec.builder("t").command("/srv/run").port(PortSpec.dynamic("http")).build())
                .service(ServiceSpec.internal("web", "http")).build()).build();
    }

    /** A group of two tasks (a pod) with two instances. */
    private static JobSpec pod(String name) {
        return JobSpec.builder(name).group(GroupSpec.builder("g").count(2)
                .task(TaskSpec.builder("server").command("/srv/run").port(PortSpec.dynamic("http")).build())
                .task(TaskSpec.builder("sidecar").command("/srv/sidecar").build())
                .service(ServiceSpec.internal(name, "http")).build()).build();
    }

    private static String line(ServeEvent e) {
        return e.getRequest().getMethod().getName() + " " + e.getRequest().getUrl();
    }

    /** Every request the double has seen: the event streams first (served beside WireMock), then WireMock's journal in order. */
    private List<String> sent() {
        List<String> out = new ArrayList<>();
        marathon.eventRequests.forEach(r -> out.add("GET " + r.url()));
        out.addAll(journalFrom(0));
        return out;
    }

    /** The journal's requests from the {@code from}-th on, in the order received. */
    private List<String> journalFrom(int from) {
        List<ServeEvent> all = new ArrayList<>(marathon.server.getAllServeEvents());
        // WireMock's journal lists the newest first
        java.util.Collections.reverse(all);
        return all.subList(from, all.size()).stream().map(MarathonRequestBudgetTest::line).toList();
    }

    private static void healthy(dev.baton.Deployment d) {
        var result = d.await(Duration.ofSeconds(20));
        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
    }

    @Test
    void aFirstDeployAwaitAndUndeployOfOneServiceWithTwoInstancesSendsAtMostFiveRequests() throws Exception {
        try (Orchestrator o = connect()) {
            healthy(o.deploy(web()));
            o.undeploy("web");
        }
        // An OkHttp user who knows what to send: PUT /v2/apps/web/g, GET /v2/events read until the PUT's deployment
        // succeeds, DELETE /v2/apps/web/g: 3 requests, about 4 with a read of the app's tasks to see them run. Baton
        // sends 5: the event stream, one read of the job's group before the write (so that an unchanged redeploy writes
        // nothing), the write, one read of the job's apps once the stream says the write's deployment succeeded (the
        // instances' health and version, judged again 2 s later on the same read, as no event of the job came), and the
        // group's delete, which needs no read first: the stream, attached throughout, showed no deployment under the
        // group but the job's own. Before issue 16: 11 (a stream per wait, GET /v2/deployments per pass, a read per
        // event, a read of the group before the delete).
        List<String> sent = sent();
        assertThat(sent).as("requests of a first deploy, its wait and an undeploy").hasSizeLessThanOrEqualTo(5);
        assertThat(marathon.eventRequests).as("one event stream").hasSize(1);
        assertThat(sent).filteredOn(r -> !r.startsWith("GET ")).containsExactly("PUT /v2/apps/web/g?partialUpdate=false",
                "DELETE /v2/groups/web?force=true");
        assertThat(sent).as("never the whole cluster's deployments or pods").noneMatch(r -> r.startsWith("GET /v2/deployments")
                || r.startsWith("GET /v2/pods"));
        var gone = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + marathon.address() + "/v2/groups/web")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(gone.statusCode()).isEqualTo(404);
    }

    @Test
    void anUnchangedRedeploySendsNoWriteAndOneReadForItsOneObject() {
        try (Orchestrator o = connect()) {
            healthy(o.deploy(web()));
            int from = marathon.server.getAllServeEvents().size();
            int streams = marathon.eventRequests.size();

            var again = o.deploy(web());
            assertThat(again.changed()).isFalse();
            healthy(again);

            // the read of the job's group before any write, which also shows its instances healthy: the wait decides on it
            assertThat(journalFrom(from)).singleElement().asString().startsWith("GET /v2/groups/web?");
            assertThat(marathon.eventRequests).as("the orchestrator's stream, still open").hasSize(streams);
        }
    }

    @Test
    void aPodJobIsFollowedThroughItsOwnGroupNeverEveryPodOrDeploymentInTheCluster() {
        try (Orchestrator o = connect()) {
            healthy(o.deploy(pod("other")));
            int from = marathon.server.getAllServeEvents().size();

            healthy(o.deploy(pod("web")));
            assertThat(o.status("web").instances()).hasSize(2);

            List<String> sent = journalFrom(from);
            assertThat(sent).noneMatch(r -> r.startsWith("GET /v2/pods/::status") || r.startsWith("GET /v2/deployments"));
            assertThat(sent).anyMatch(r -> r.equals("GET /v2/groups/web?embed=group.pods"));
        }
    }

    @Test
    void everyDeployAwaitAndWatchOfAnOrchestratorShareOneEventStream() {
        try (Orchestrator o = connect()) {
            List<dev.baton.status.Event> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (Subscription watching = o.watch("web", seen::add)) {
                healthy(o.deploy(web()));
                healthy(o.deploy(web().toBuilder().name("other").build()));
                healthy(o.scale("web", "g", 3));
            }
            assertThat(seen).as("the watch saw web's events").isNotEmpty();
        }
        assertThat(marathon.eventRequests).as("one GET /v2/events for a watch, three deploys and a scale").hasSize(1);
    }

    @Test
    void anAwaitWhoseStreamDropsReadsAgainOnceItIsBackAndEndsHealthy() throws Exception {
        try (Orchestrator o = connect()) {
            var deployment = o.deploy(web());
            // Marathon drops every stream when it loses leadership: here again and again while the deployment runs and
            // ends, so that its end comes while no stream is attached
            AtomicBoolean dropping = new AtomicBoolean(true);
            Thread dropper = new Thread(() -> {
                long until = System.nanoTime() + Duration.ofMillis(600).toNanos();
                while (dropping.get() && System.nanoTime() < until) {
                    marathon.dropEventStreams();
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            dropper.start();
            try {
                healthy(deployment);
            } finally {
                dropping.set(false);
                dropper.join();
            }
        }
        assertThat(marathon.eventRequests.size()).as("the stream, opened again").isGreaterThan(1);
    }

    @Test
    void anUndeployAfterSomeoneElseAddedToTheJobsGroupReadsItAndRemovesOnlyTheJobsOwn() throws Exception {
        try (Orchestrator o = connect()) {
            healthy(o.deploy(web()));
            List<dev.baton.status.Event> told = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (Subscription watching = o.watch("web", told::add)) {
                // another Marathon user puts an app of their own into the job's group
                var created = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + marathon.address() + "/v2/apps/web/theirs"))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"id\":\"/web/theirs\",\"cmd\":\"sleep 1000\",\"instances\":1}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
                // the stream has told of it (an event comes after the write's answer, as from Marathon's event bus)
                for (int i = 0; i < 200 && told.isEmpty(); i++) {
                    Thread.sleep(25);
                }
                assertThat(told).as("an event of the job's group").isNotEmpty();
            }
            int from = marathon.server.getAllServeEvents().size();

            o.undeploy("web");

            // its deployment under the group was not this orchestrator's: the group is read, and only the job's app removed
            assertThat(journalFrom(from)).containsExactly("GET /v2/groups/web", "DELETE /v2/apps/web/g?force=true");
        }
        var theirs = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + marathon.address() + "/v2/apps/web/theirs")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(theirs.statusCode()).isEqualTo(200);
    }
}
