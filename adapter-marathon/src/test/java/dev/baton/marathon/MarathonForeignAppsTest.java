package dev.baton.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.Selector;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.TaskSpec;
import dev.baton.status.JobSummary;
import dev.baton.testkit.Upstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Apps and pods that Baton did not create (no {@code baton.dev/spec} label), put into the double through Marathon's own
 * API with Marathon's published example payloads ({@code ../shared/upstream/marathon/examples/}): Baton does not show
 * them as its jobs, and does not delete them.
 */
class MarathonForeignAppsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Path examples;
    private MarathonDouble marathon;

    @BeforeEach
    void start() {
        Path dir = Upstream.dir("marathon").orElse(null);
        Assumptions.assumeTrue(dir != null, () -> Upstream.absent("marathon"));
        examples = dir.resolve("examples");
        marathon = new MarathonDouble();
    }

    @AfterEach
    void stop() {
        if (marathon != null) {
            marathon.shutdown();
        }
    }

    /** {@code examples/apps_create.json}'s {@code /test/sleep120}: an app as someone would create it with Marathon's API. */
    private ObjectNode sleep120() throws Exception {
        for (JsonNode app : JSON.readTree(Files.readString(examples.resolve("apps_create.json")))) {
            if (app.path("id").asText().equals("/test/sleep120")) {
                return (ObjectNode) app;
            }
        }
        throw new AssertionError("apps_create.json has no /test/sleep120");
    }

    /** Creates a run spec the way a Marathon user does ({@code PUT /v2/apps/{id}} or {@code /v2/pods/{id}}), not through Baton. */
    private void create(String kind, JsonNode definition) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + marathon.address() + "/v2/" + kind + definition.path("id").asText()))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(definition.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("Marathon's answer to the foreign " + kind + ": " + r.body()).isBetween(200, 201);
    }

    private int exists(String kind, String id) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + marathon.address() + "/v2/" + kind + id)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private List<String> writes() {
        return marathon.requests.stream().filter(e -> !e.getRequest().getMethod().getName().equals("GET"))
                .map(e -> e.getRequest().getMethod().getName() + " " + e.getRequest().getUrl()).toList();
    }

    @Test
    void anAppBatonDidNotCreateIsAJobThatExistsButIsNotManagedAndIsNeitherListedScaledNorRemoved() throws Exception {
        create("apps", sleep120());
        int foreignWrites = writes().size();
        try (Orchestrator o = MarathonRequestsTest.connect(marathon.address())) {
            assertThatThrownBy(() -> o.status("test")).isInstanceOf(NotFoundException.class)
                    .hasMessageContaining("job test exists on marathon but is not managed by Baton").hasMessageContaining("app /test/sleep120");
            assertThat(o.list(Selector.all())).extracting(JobSummary::jobId).doesNotContain("test");
            assertThatThrownBy(() -> o.scale("test", "sleep120", 5)).isInstanceOf(NotFoundException.class)
                    .hasMessageContaining("not managed by Baton");
            assertThatThrownBy(() -> o.undeploy("test")).isInstanceOf(NotFoundException.class)
                    .hasMessageContaining("not managed by Baton").hasMessageContaining("not removed");
        }
        assertThat(writes().subList(foreignWrites, writes().size())).as("what Baton sent that was not a read").isEmpty();
        assertThat(exists("apps", "/test/sleep120")).isEqualTo(200);
    }

    @Test
    void anAppThatCarriesTheJobLabelButNoSpecIsNotTheJobs() throws Exception {
        ObjectNode app = sleep120();
        // someone copied Baton's job label onto an app of their own: it still carries no spec
        app.putObject("labels").put("baton.dev/job", "test");
        create("apps", app);
        try (Orchestrator o = MarathonRequestsTest.connect(marathon.address())) {
            assertThat(o.list(Selector.all())).extracting(JobSummary::jobId).doesNotContain("test");
            assertThatThrownBy(() -> o.status("test")).isInstanceOf(NotFoundException.class).hasMessageContaining("not managed by Baton");
            assertThatThrownBy(() -> o.undeploy("test")).isInstanceOf(NotFoundException.class).hasMessageContaining("not removed");
        }
        assertThat(marathon.requests).noneMatch(e -> e.getRequest().getMethod().getName().equals("DELETE"));
        assertThat(exists("apps", "/test/sleep120")).isEqualTo(200);
    }

    @Test
    void aPodBatonDidNotCreateAtTheJobsIdIsNotManagedAndNotRemoved() throws Exception {
        ObjectNode pod = (ObjectNode) JSON.readTree(Files.readString(examples.resolve("pod.json")));
        // the example's check times out after 20 s every 2 s, which Marathon refuses (PodsValidation: timeout < interval)
        for (JsonNode c : pod.path("containers")) {
            ((ObjectNode) c).remove("healthCheck");
        }
        create("pods", pod);
        String id = pod.path("id").asText().substring(1);
        try (Orchestrator o = MarathonRequestsTest.connect(marathon.address())) {
            assertThatThrownBy(() -> o.status(id)).isInstanceOf(NotFoundException.class)
                    .hasMessageContaining("job " + id + " exists on marathon but is not managed by Baton").hasMessageContaining("pod /" + id);
            assertThat(o.list(Selector.all())).extracting(JobSummary::jobId).doesNotContain(id);
            assertThatThrownBy(() -> o.undeploy(id)).isInstanceOf(NotFoundException.class).hasMessageContaining("not removed");
        }
        assertThat(marathon.requests).noneMatch(e -> e.getRequest().getMethod().getName().equals("DELETE"));
        assertThat(exists("pods", "/" + id)).isEqualTo(200);
    }

    @Test
    void undeployOfAJobWhoseGroupAlsoHoldsAnAppBatonDidNotCreateRemovesOnlyTheJobsAppAndPod() throws Exception {
        JobSpec job = JobSpec.builder("test")
                .group(GroupSpec.builder("g").count(1).task(TaskSpec.builder("t").command("/srv/run").build()).build())
                .group(GroupSpec.builder("p").count(1).task(TaskSpec.builder("a").command("/srv/a").build())
                        .task(TaskSpec.builder("b").command("/srv/b").build()).build())
                .build();
        try (Orchestrator o = MarathonRequestsTest.connect(marathon.address())) {
            assertThat(o.deploy(job).await(Duration.ofSeconds(15)).outcome()).isEqualTo(Outcome.HEALTHY);
            create("apps", sleep120());
            assertThat(o.status("test").groups()).extracting(g -> g.name()).containsExactlyInAnyOrder("g", "p");
            int before = writes().size();

            o.undeploy("test");

            assertThat(writes().subList(before, writes().size())).containsExactlyInAnyOrder(
                    "DELETE /v2/apps/test/g?force=true", "DELETE /v2/pods/test/p?force=true");
            assertThatThrownBy(() -> o.status("test")).isInstanceOf(NotFoundException.class).hasMessageContaining("not managed by Baton");
        }
        assertThat(exists("apps", "/test/sleep120")).isEqualTo(200);
        assertThat(exists("apps", "/test/g")).isEqualTo(404);
        assertThat(exists("pods", "/test/p")).isEqualTo(404);
    }
}
