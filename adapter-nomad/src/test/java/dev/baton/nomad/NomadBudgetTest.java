package dev.baton.nomad;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.model.CheckTiming;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Request budgets (issue 16, item 7), counted in the double's request journal: what a deploy, its await and an undeploy
 * cost, against what a plain OkHttp user of Nomad's API sends for the same job.
 */
class NomadBudgetTest {
    private NomadDouble nomad;

    @AfterEach
    void stop() {
        if (nomad != null) {
            nomad.shutdown();
        }
    }

    /** One group, one service, two instances, with an HTTP check: the job of the side-by-side benchmark. */
    static JobSpec job() {
        TaskSpec server = TaskSpec.builder("server").image("localhost/baton-test:1").port(PortSpec.dynamic("http"))
                .health(new HealthCheck.Http("http", "/healthz", new CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null)))
                .build();
        return JobSpec.builder("web").group(GroupSpec.builder("g").count(2).task(server).service(ServiceSpec.internal("web", "http")).build())
                .update(UpdatePolicy.rolling().withParallelism(1)).build();
    }

    static Orchestrator connect(NomadDouble nomad) {
        return Orchestrators.connect(Target.parse("nomad://" + nomad.address()), OrchestratorConfig.builder().environment(Map.of())
                .requestTimeout(Duration.ofSeconds(10)).build());
    }

    static List<String> lines(List<ServeEvent> events) {
        return events.stream().map(e -> e.getRequest().getMethod().getName() + " " + e.getRequest().getUrl()).toList();
    }

    /**
     * A plain OkHttp user sends {@code POST /v1/jobs}, blocking queries on {@code /v1/job/:id/deployment} from the
     * register's index until it is successful (two on the double: the deployment created, then successful), and
     * {@code DELETE /v1/job/:id?purge=true}: about 4 requests. Baton sends the same, plus the read before the register
     * (to send nothing for an unchanged spec, and the {@code JobModifyIndex} for {@code EnforceIndex}), one read of the
     * allocations once the deployment succeeded (the result's status, instances and ports; and that no instance of
     * another version is left): 6. Before issue 16 it was 18 (four reads per await turn, the first blocking query from
     * an index read before the scheduler ran, the version history on every turn), then 7 with a read before the delete
     * (a job without Baton's spec meta is not deleted), which a job this orchestrator registered no longer needs.
     */
    @Test
    void aFirstDeployAwaitAndUndeployStayWithinTheBudget() {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad)) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            o.undeploy("web");
        }
        List<String> sent = lines(nomad.requests);
        System.out.println("NomadBudgetTest: first deploy + await + undeploy sent " + sent.size() + " requests: " + sent);
        assertThat(sent).hasSizeLessThanOrEqualTo(6);
        assertThat(String.join("\n", sent)).matches("GET /v1/job/web\n"
                + "POST /v1/jobs\n"
                + "(GET /v1/job/web/deployment\\?index=[1-9]\\d*&wait=\\d+s\n)+"
                + "GET /v1/allocations\\?filter=[^&]+&resources=true\n"
                + "DELETE /v1/job/web\\?purge=true");
    }

    /**
     * The delete without a read before it still tells a job that is gone: Nomad answers the {@code DELETE} of a job that
     * does not exist with an empty reply (no eval, {@code JobModifyIndex} 0), not a 404, and that is a
     * {@link dev.baton.NotFoundException}. A job this orchestrator does not know is read first, and one Baton did not
     * create is left alone ({@code NomadForeignJobTest}).
     */
    @Test
    void anUndeployOfAJobSomeoneElseRemovedMeanwhileIsNotFound() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad)) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            var gone = NomadReadTest.http("DELETE", nomad.address(), "/v1/job/web?purge=true", null);
            assertThat(gone.statusCode()).isEqualTo(200);
            var again = NomadReadTest.http("DELETE", nomad.address(), "/v1/job/web?purge=true", null);
            assertThat(again.statusCode()).as("Nomad deregisters a missing job without error").isEqualTo(200);
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(again.body()).path("JobModifyIndex").asLong()).isZero();
            int before = nomad.requests.size();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> o.undeploy("web")).isInstanceOf(dev.baton.NotFoundException.class)
                    .hasMessageContaining("web");
            assertThat(lines(nomad.requests.subList(before, nomad.requests.size()))).containsExactly("DELETE /v1/job/web?purge=true");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> o.undeploy("web")).isInstanceOf(dev.baton.NotFoundException.class);
        }
    }

    /** An unchanged redeploy: no write, and one read for its one rendered object (the job); its await reads the allocations once. */
    @Test
    void anUnchangedRedeployIsOneReadAndNoWrite() {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad)) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            int before = nomad.requests.size();
            var again = o.deploy(job());
            assertThat(again.changed()).isFalse();
            assertThat(lines(nomad.requests.subList(before, nomad.requests.size()))).containsExactly("GET /v1/job/web");
            int deployed = nomad.requests.size();
            assertThat(again.await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(lines(nomad.requests.subList(deployed, nomad.requests.size())))
                    .containsExactly("GET /v1/allocations?filter=JobID%20%3D%3D%20%22web%22&resources=true");
        }
    }
}
