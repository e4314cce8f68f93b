package dev.baton.nomad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.spi.RetryPolicy;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A spec's namespace is honoured per request (issue 18, item 2), as Nomad takes it: the job's {@code Namespace} and
 * {@code ?namespace=} on every request about the job; the connection's namespace (NOMAD_NAMESPACE) is the default, not a
 * limit.
 */
class NomadNamespaceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private NomadDouble nomad;

    @AfterEach
    void stop() {
        if (nomad != null) {
            nomad.shutdown();
        }
    }

    private static Orchestrator connect(String address, Map<String, String> env) {
        return Orchestrators.connect(Target.parse("nomad://" + address), OrchestratorConfig.builder().environment(env)
                .requestTimeout(Duration.ofSeconds(10)).connectTimeout(Duration.ofSeconds(1))
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5))).build());
    }

    private static JobSpec shop(String namespace) {
        return job("shop", namespace);
    }

    private static JobSpec job(String name, String namespace) {
        return JobSpec.builder(name).namespace(namespace).group(GroupSpec.builder("web").count(1)
                .task(TaskSpec.builder("server").image("localhost/shop:1").port(PortSpec.dynamic("http")).build())
                .service(ServiceSpec.internal(name, "http")).build()).build();
    }

    /** The {@code namespace} query parameter of a request, or null. */
    private static String namespace(ServeEvent e) {
        String url = e.getRequest().getUrl();
        int q = url.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String kv : url.substring(q + 1).split("&")) {
            if (kv.startsWith("namespace=")) {
                return URLDecoder.decode(kv.substring("namespace=".length()), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private List<ServeEvent> requests(String method, String path) {
        return nomad.requests.stream().filter(e -> e.getRequest().getMethod().getName().equals(method))
                .filter(e -> e.getRequest().getUrl().split("\\?")[0].equals(path)).toList();
    }

    private static JsonNode body(ServeEvent e) throws Exception {
        return JSON.readTree(e.getRequest().getBodyAsString());
    }

    @Test
    void aSpecsNamespaceIsTheNamespaceOfEveryRequestAboutTheJobOnAConnectionWithoutOne() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address(), Map.of())) {
            assertThat(o.deploy(shop("retail")).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);

            List<ServeEvent> registrations = requests("POST", "/v1/jobs");
            assertThat(registrations).hasSize(1);
            assertThat(namespace(registrations.get(0))).isEqualTo("retail");
            assertThat(body(registrations.get(0)).path("Job").path("Namespace").asText()).isEqualTo("retail");
            // the await read the job, its deployment and its allocations in retail too
            assertThat(nomad.requests).filteredOn(e -> e.getRequest().getMethod().getName().equals("GET"))
                    .filteredOn(e -> e.getRequest().getUrl().startsWith("/v1/job/shop") || e.getRequest().getUrl().startsWith("/v1/allocations"))
                    .isNotEmpty().allSatisfy(e -> assertThat(namespace(e)).isEqualTo("retail"));

            assertThat(o.status("retail/shop").namespace()).isEqualTo("retail");
            assertThat(o.endpoints("retail/shop")).hasSize(1);
            // the default namespace has no job shop, and no service shop
            assertThatThrownBy(() -> o.status("shop")).isInstanceOf(NotFoundException.class);
            assertThat(o.endpoints("shop")).isEmpty();

            o.undeploy("retail/shop");
            List<ServeEvent> deletes = requests("DELETE", "/v1/job/shop");
            assertThat(deletes).hasSize(1);
            assertThat(namespace(deletes.get(0))).isEqualTo("retail");
            assertThat(deletes.get(0).getRequest().getUrl()).contains("purge=true");
            assertThatThrownBy(() -> o.status("retail/shop")).isInstanceOf(NotFoundException.class);
        }
    }

    @Test
    void theConnectionsNamespaceIsTheDefaultAndNotALimit() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address(), Map.of("NOMAD_NAMESPACE", "ops"))) {
            // no namespace in the spec: the connection's
            o.render(shop(null));
            assertThat(o.deploy(shop(null)).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            // another namespace in the spec: not refused, registered there (another ID: the double keeps one job per ID)
            assertThat(o.plan(job("till", "retail")).unsupported()).isEmpty();
            assertThat(o.deploy(job("till", "retail")).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);

            List<ServeEvent> registrations = requests("POST", "/v1/jobs");
            assertThat(registrations).hasSize(2);
            assertThat(namespace(registrations.get(0))).isEqualTo("ops");
            assertThat(body(registrations.get(0)).path("Job").path("Namespace").asText()).isEqualTo("ops");
            assertThat(namespace(registrations.get(1))).isEqualTo("retail");
            assertThat(body(registrations.get(1)).path("Job").path("Namespace").asText()).isEqualTo("retail");
            assertThat(o.status("shop").namespace()).isEqualTo("ops");
            assertThat(o.status("retail/till").namespace()).isEqualTo("retail");
            assertThatThrownBy(() -> o.status("till")).isInstanceOf(NotFoundException.class);
        }
    }

    /** The double registers as Nomad does: the query's namespace wins over the job's Namespace (job_endpoint.go namespaceForJob). */
    @Test
    void theDoubleTakesTheQuerysNamespaceOverTheJobsAsNomadDoes() {
        JsonNode job = JSON.createObjectNode().put("ID", "x").put("Namespace", "retail");
        assertThat(NomadDouble.namespaceForJob(job, Map.of("namespace", "ops"), JSON.createObjectNode().set("Job", job))).isEqualTo("ops");
        assertThat(NomadDouble.namespaceForJob(job, Map.of(), JSON.createObjectNode().set("Job", job))).isEqualTo("retail");
        assertThat(NomadDouble.namespaceForJob(JSON.createObjectNode(), Map.of(), JSON.createObjectNode())).isEqualTo("default");
    }
}
