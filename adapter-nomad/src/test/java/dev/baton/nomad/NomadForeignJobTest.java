package dev.baton.nomad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.Selector;
import dev.baton.model.JobSpec;
import dev.baton.status.JobSummary;
import dev.baton.testkit.Upstream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A job Baton did not create — here Nomad's own example job, registered straight with the server as the Nomad CLI
 * would — is not one of Baton's jobs: status says it exists but is not managed by Baton, list leaves it out, and
 * undeploy, scale and rollback refuse it without sending anything but reads.
 */
class NomadForeignJobTest {
    private NomadDouble nomad;

    @AfterEach
    void stop() {
        if (nomad != null) {
            nomad.shutdown();
        }
    }

    @Test
    void aJobBatonDidNotCreateIsReportedAsSuchAndNeverChanged() throws Exception {
        Path dir = Upstream.dir("nomad").orElse(null);
        Assumptions.assumeTrue(dir != null, Upstream.absent("nomad"));
        // api-docs/jobs.mdx "Create Job" sample payload (v1.6.5): a job with no Meta at all
        String foreign = Files.readString(dir.resolve("api-docs-examples/jobs/POST_v1_jobs.create-job.payload.json"));
        nomad = new NomadDouble();
        HttpResponse<String> registered = NomadReadTest.http("POST", nomad.address(), "/v1/jobs", foreign);
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);

        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            assertThat(o.deploy(NomadRequestsTest.job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            int before = nomad.requests.size();

            for (var call : List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(() -> o.status("cache"), () -> o.undeploy("cache"),
                    () -> o.scale("cache", "cache", 3), () -> o.rollback("cache"))) {
                assertThatThrownBy(call).isInstanceOf(NotFoundException.class)
                        .hasMessageContaining("job cache exists on nomad but is not managed by Baton");
            }
            // a deploy of a spec that bears its name does not register over it (it did: Nomad takes any register)
            JobSpec named = NomadRequestsTest.job().toBuilder().name("cache").build();
            assertThatThrownBy(() -> o.deploy(named)).isInstanceOf(dev.baton.ConflictException.class)
                    .hasMessageContaining("job cache exists on nomad but is not managed by Baton").hasMessageContaining("does not replace it");
            assertThat(o.list(Selector.all())).extracting(JobSummary::jobId).contains("web").doesNotContain("cache");

            List<ServeEvent> sent = nomad.requests.subList(before, nomad.requests.size());
            assertThat(sent).map(e -> e.getRequest().getMethod().getName() + " " + e.getRequest().getUrl())
                    .allMatch(r -> r.startsWith("GET "));
        }
        assertThat(NomadReadTest.getJson(nomad.address(), "/v1/job/cache").path("ID").asText()).isEqualTo("cache");
    }
}
