package dev.baton.nomad;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.baton.AuthenticationException;
import dev.baton.InvalidSpecException;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.PlatformException;
import dev.baton.PlatformUnavailableException;
import dev.baton.SecretData;
import dev.baton.SecretsFacet;
import dev.baton.Target;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.spi.RetryPolicy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The requests the adapter sends, and how Nomad's failures and network faults reach the caller. */
class NomadRequestsTest {
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

    static JobSpec job() {
        return JobSpec.builder("web").group(GroupSpec.builder("g").count(2)
                .task(TaskSpec.builder("t").image("localhost/x:1").port(PortSpec.dynamic("http")).build()).build()).build();
    }

    static Orchestrator connect(String addresses, Duration timeout) {
        return Orchestrators.connect(Target.parse("nomad://" + addresses), OrchestratorConfig.builder().environment(Map.of())
                .requestTimeout(timeout).connectTimeout(Duration.ofSeconds(1))
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5))).build());
    }

    private long writes() {
        return nomad.requests.stream().filter(e -> !e.getRequest().getMethod().getName().equals("GET")).count();
    }

    @Test
    void aFirstDeployIsOneWriteAndAnUnchangedRedeployNone() {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address(), Duration.ofSeconds(10))) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(writes()).isEqualTo(1);
            assertThat(nomad.requests.stream().filter(e -> !e.getRequest().getMethod().getName().equals("GET"))
                    .map(e -> e.getRequest().getMethod().getName() + " " + e.getRequest().getUrl())).containsExactly("POST /v1/jobs");
            assertThat(nomad.bodies().get(0).path("EnforceIndex").asBoolean()).isTrue();
            assertThat(nomad.bodies().get(0).path("JobModifyIndex").asLong()).isZero();

            int before = nomad.requests.size();
            var again = o.deploy(job());
            assertThat(again.changed()).isFalse();
            assertThat(again.await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(writes()).isEqualTo(1);
            // awaiting a job that is already healthy costs no blocking query
            assertThat(nomad.requests.subList(before, nomad.requests.size()))
                    .noneMatch(e -> e.getRequest().getUrl().contains("index="));
        }
    }

    /**
     * The cost of waiting (issue 16): the await follows the deployment with blocking queries, the first from the index the
     * register answered (so it waits for the scheduler rather than answering at once, as one from index 0 would), each
     * next from the index the one before answered; then one read of the allocations settles it. The job is not read
     * back and its version history not at all.
     */
    @Test
    void anAwaitBlocksFromTheRegisterIndexAndReadsNoVersionHistory() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address(), Duration.ofSeconds(10))) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
        }
        List<com.github.tomakehurst.wiremock.stubbing.ServeEvent> sent = List.copyOf(nomad.requests);
        var register = sent.stream().filter(e -> e.getRequest().getMethod().getName().equals("POST")).findFirst().orElseThrow();
        // the register's answer named the JobModifyIndex the job still has (nothing wrote it since)
        long registered = NomadReadTest.getJson(nomad.address(), "/v1/job/web").path("JobModifyIndex").asLong();
        assertThat(registered).isPositive();
        StringBuilder turns = new StringBuilder();
        long previous = -1;
        for (var e : sent.subList(sent.indexOf(register) + 1, sent.size())) {
            String url = e.getRequest().getUrl();
            String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
            boolean blocking = url.contains("index=");
            if (path.equals("/v1/job/web/deployment") && blocking) {
                long index = Long.parseLong(url.replaceAll(".*[?&]index=(\\d+).*", "$1"));
                if (previous < 0) {
                    assertThat(index).as("first blocking query %s", url).isEqualTo(registered);
                } else {
                    assertThat(index).as("blocking query %s", url).isGreaterThan(previous);
                }
                previous = index;
            }
            turns.append(switch (path) {
                case "/v1/job/web/deployment" -> blocking ? "[Bd]" : "D";
                case "/v1/allocations" -> blocking ? "[Ba]" : "A";
                default -> "?" + path;
            });
        }
        assertThat(turns.toString()).matches("(\\[Bd\\])+A(\\[Ba\\])*");
        assertThat(sent).noneMatch(e -> e.getRequest().getUrl().contains("/versions"));
    }

    @Test
    void anUnreachableServerFailsOverToTheNextWithoutRegisteringTwice() throws Exception {
        nomad = new NomadDouble();
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        try (Orchestrator o = connect("127.0.0.1:" + dead + "," + nomad.address(), Duration.ofSeconds(10))) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
        }
        assertThat(writes()).isEqualTo(1);
    }

    @Test
    void aServerErrorOnRegistrationIsNotRetriedAndKeepsNomadsMessage() {
        wire = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        wire.stubFor(get(urlPathEqualTo("/v1/job/web")).willReturn(aResponse().withStatus(404).withBody("job not found")));
        wire.stubFor(post(urlPathEqualTo("/v1/jobs")).willReturn(aResponse().withStatus(500).withBody("No cluster leader")));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> o.deploy(job())).isInstanceOfSatisfying(PlatformException.class, e -> {
                assertThat(e.status()).hasValue(500);
                assertThat(e.getMessage()).contains("No cluster leader");
            });
        }
        assertThat(wire.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(urlPathEqualTo("/v1/jobs")))).hasSize(1);
    }

    @Test
    void aStaleJobModifyIndexIsAConflict() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator a = connect(nomad.address(), Duration.ofSeconds(10))) {
            a.deploy(job()).await(Duration.ofSeconds(10));
            wire = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
            wire.start();
            // a proxy that answers the read with the job (Baton's, its spec meta and all) at a stale index, as if
            // someone registered in between
            var stale = (com.fasterxml.jackson.databind.node.ObjectNode) NomadReadTest.getJson(nomad.address(), "/v1/job/web");
            stale.put("JobModifyIndex", 1);
            wire.stubFor(get(urlPathEqualTo("/v1/job/web")).willReturn(aResponse().withStatus(200).withBody(stale.toString())));
            wire.stubFor(post(urlPathEqualTo("/v1/jobs")).willReturn(aResponse().proxiedFrom("http://" + nomad.address())));
            try (Orchestrator b = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(10))) {
                assertThatThrownBy(() -> b.deploy(job().withCount("g", 3))).isInstanceOf(dev.baton.ConflictException.class)
                        .hasMessageContaining("conflicting job modify index");
            }
        }
    }

    /**
     * A secret another writer changed between Baton's read and its check-and-set write is a conflict, and the message
     * does not show the values: Nomad answers a failed check-and-set with the variable as stored now, its items
     * decrypted (nomad/variables_endpoint.go makeVariablesApplyResponse; 409, command/agent/variable_endpoint.go), and
     * that answer used to be the message.
     */
    @Test
    void aSecretChangedMeanwhileIsAConflictWhoseMessageHoldsNoValue() {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address(), Duration.ofSeconds(10)); Orchestrator other = connect(nomad.address(), Duration.ofSeconds(10))) {
            SecretsFacet mine = o.facet(SecretsFacet.class).orElseThrow();
            SecretsFacet theirs = other.facet(SecretsFacet.class).orElseThrow();
            mine.put("db", SecretData.of("password", "first-s3cret"));

            nomad.beforeNext("PUT /v1/var/baton/secrets/db", () -> theirs.put("db", SecretData.of("password", "their-s3cret")));
            assertThatThrownBy(() -> mine.put("db", SecretData.of("password", "my-s3cret"))).isInstanceOfSatisfying(dev.baton.ConflictException.class,
                    e -> assertThat(e.getMessage()).contains("baton/secrets/db", "changed since it was read")
                            .doesNotContain("s3cret", "Items"));

            nomad.beforeNext("DELETE /v1/var/baton/secrets/db", () -> theirs.put("db", SecretData.of("password", "third-s3cret")));
            assertThatThrownBy(() -> mine.delete("db")).isInstanceOfSatisfying(dev.baton.ConflictException.class,
                    e -> assertThat(e.getMessage()).contains("changed since it was read").doesNotContain("s3cret", "Items"));
        }
    }

    /** Finding (review of secret paths): bytes that are not UTF-8 were sent as a string with U+FFFD in their place. */
    @Test
    void aSecretValueThatIsNotTextIsRefusedBeforeAnythingIsSent() {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address(), Duration.ofSeconds(10))) {
            SecretsFacet secrets = o.facet(SecretsFacet.class).orElseThrow();
            int before = nomad.requests.size();

            assertThatThrownBy(() -> secrets.put("tls", SecretData.ofBytes(Map.of("key.der", new byte[] {0x30, (byte) 0x82, (byte) 0xff, 0x01}))))
                    .isInstanceOfSatisfying(InvalidSpecException.class, e -> {
                        assertThat(e.violations()).extracting(v -> v.path()).containsExactly("keys.key.der");
                        assertThat(e.getMessage()).contains("not UTF-8", "Nomad");
                    });
            assertThat(nomad.requests.subList(before, nomad.requests.size())).isEmpty();
        }
    }

    @Test
    void aSecretWhoseNameOrKeyBreaksTheRuleIsRefusedBeforeAnythingIsSent() {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address(), Duration.ofSeconds(10))) {
            SecretsFacet secrets = o.facet(SecretsFacet.class).orElseThrow();
            int before = nomad.requests.size();

            assertThatThrownBy(() -> secrets.put("../x", SecretData.of("password", "v"))).isInstanceOfSatisfying(InvalidSpecException.class,
                    e -> assertThat(e.violations()).extracting(v -> v.path()).containsExactly("name"));
            assertThatThrownBy(() -> secrets.put("db", SecretData.of("../../supervisor.json", "v"))).isInstanceOfSatisfying(
                    InvalidSpecException.class, e -> assertThat(e.violations()).extracting(v -> v.path()).containsExactly("keys"));
            assertThatThrownBy(() -> secrets.put("db", SecretData.of("..", "v"))).isInstanceOf(InvalidSpecException.class);
            assertThatThrownBy(() -> secrets.delete("../x")).isInstanceOf(InvalidSpecException.class);
            assertThat(nomad.requests.subList(before, nomad.requests.size())).isEmpty();

            // the same calls with valid names and keys do reach the server
            secrets.put("db", SecretData.of("tls.crt", "v"));
            assertThat(nomad.requests.subList(before, nomad.requests.size())).extracting(e -> e.getRequest().getMethod().getName())
                    .contains("PUT");
        }
    }

    /**
     * A task that exits at once, every time: Nomad's client restarts it by the restart policy, then gives it up and marks
     * the allocation failed and unhealthy. With the healthy deadline sent as Nomad's {@code healthy_deadline} and no
     * progress deadline, that first unhealthy allocation fails the deployment at once; with a progress deadline Nomad
     * would replace the allocation until that deadline passed, long after the healthy deadline.
     */
    @Test
    void aTaskThatExitsAtOnceFailsTheDeploymentWithoutWaitingForAProgressDeadline() throws Exception {
        JobSpec crashing = JobSpec.builder("web").group(GroupSpec.builder("g").count(1)
                .task(TaskSpec.builder("t").image("localhost/x:1").command("sh", "-c", "echo crashing; exit 3").port(PortSpec.dynamic("http")).build())
                .restart(new RestartPolicy(RestartMode.ON_FAILURE, 1, Duration.ofMillis(200))).build())
                .update(UpdatePolicy.rolling().withMinHealthyTime(Duration.ofSeconds(1)).withHealthyDeadline(Duration.ofSeconds(20)))
                .build();
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address(), Duration.ofSeconds(10))) {
            var update = new com.fasterxml.jackson.databind.ObjectMapper().readTree(o.render(crashing).content()).path("Job").path("Update");
            assertThat(update.path("HealthyDeadline").asLong()).isEqualTo(Duration.ofSeconds(20).toNanos());
            assertThat(update.has("ProgressDeadline")).isTrue();
            assertThat(update.path("ProgressDeadline").asLong()).isZero();

            var result = o.deploy(crashing).await(Duration.ofSeconds(15));

            assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.FAILED);
            assertThat(result.message()).contains("Failed due to unhealthy allocations");
            var instance = o.status("web").instances().get(0);
            assertThat(instance.state()).isEqualTo(dev.baton.status.InstanceState.FAILED);
            assertThat(instance.isHealthy()).isFalse();
            assertThat(instance.exitCode()).isEqualTo(3);
            assertThat(instance.restarts()).isEqualTo(1);
        }
    }

    @Test
    void faultsEndInClearExceptionsNotHangs() {
        wire = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        wire.stubFor(get(urlPathEqualTo("/v1/job/reset")).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        wire.stubFor(get(urlPathEqualTo("/v1/job/slow")).willReturn(aResponse().withFixedDelay(3000).withBody("{}")));
        wire.stubFor(get(urlPathEqualTo("/v1/job/garbled")).willReturn(aResponse().withStatus(200).withBody("{not json")));
        wire.stubFor(get(urlPathEqualTo("/v1/job/secret")).willReturn(aResponse().withStatus(403).withBody("Permission denied")));
        wire.stubFor(get(urlPathEqualTo("/v1/job/gone")).willReturn(aResponse().withStatus(404).withBody("job not found")));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> o.status("reset")).isInstanceOf(PlatformUnavailableException.class);
            assertThatThrownBy(() -> o.status("slow")).isInstanceOf(PlatformUnavailableException.class).hasMessageContaining("timed out");
            assertThatThrownBy(() -> o.status("garbled")).isInstanceOf(PlatformException.class).hasMessageContaining("malformed JSON");
            assertThatThrownBy(() -> o.status("secret")).isInstanceOf(AuthenticationException.class).hasMessageContaining("Permission denied");
            assertThatThrownBy(() -> o.status("gone")).isInstanceOf(NotFoundException.class);
        }
        // reads are retried by the retry policy (3 attempts), and only reads
        assertThat(wire.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlPathEqualTo("/v1/job/reset")))).hasSize(3);
    }

    @Test
    void renderNeedsNoServerAndWrapsTheJob() {
        try (Orchestrator o = connect("127.0.0.1:1", Duration.ofSeconds(1))) {
            String json = o.render(job()).content();
            assertThat(json).contains("\"Job\" : {").contains("\"Driver\" : \"docker\"").contains("\"DynamicPorts\"")
                    .contains("\"PORT_HTTP\" : \"${NOMAD_PORT_http}\"");
        }
    }

    @Test
    void theSpecExampleRendersCompletelyWithOnlyFieldsNomadKnows() throws Exception {
        JobSpec spec = dev.baton.Specs.read("""
                apiVersion: baton/v1
                name: shop-web
                namespace: default
                labels: {team: shop}
                groups:
                  - name: web
                    count: 3
                    tasks:
                      - name: server
                        image: nginx:1.27
                        command: [nginx]
                        args: ["-g", "daemon off;"]
                        env: {LOG_LEVEL: info}
                        workingDir: /srv
                        resources: {cpu: 250m, memory: 128Mi}
                        ports: [{name: http, port: 8080}]
                        health:
                          - {http: {port: http, path: /healthz}, interval: 10s, timeout: 2s, retries: 3, gracePeriod: 15s}
                          - tcp: {port: http}
                          - exec: {command: [cat, /srv/ready]}
                        secrets:
                          - {secret: db, key: password, env: DB_PASSWORD}
                          - {secret: tls, key: cert, file: /etc/tls/cert.pem}
                        volumes: [{volume: data, mountPath: /var/lib/data}]
                    services: [{name: shop-web, port: http, expose: published, publishedPort: 8080}]
                    restart: {policy: on-failure, attempts: 3, delay: 5s}
                secrets: [{name: db}, {name: tls}]
                volumes: [{name: data, access: single-host}]
                update: {strategy: rolling, parallelism: 1, minHealthyTime: 10s, healthyDeadline: 5m, onFailure: rollback, canary: 1}
                placement:
                  constraints:
                    - {attribute: node.labels.zone, operator: "==", value: eu-1a}
                    - {attribute: node.os, operator: "!=", value: windows}
                    - {attribute: node.labels.disk, operator: in, values: [ssd, nvme]}
                    - {attribute: node.labels.gpu, operator: exists}
                  spread: node.labels.zone
                  distinctHosts: true
                extensions: {nomad: {Meta: {baton.dev/service-provider: consul}}}
                """);
        var fields = NomadFields.load();
        org.junit.jupiter.api.Assumptions.assumeTrue(fields != null, "../shared/upstream/nomad is absent");
        try (Orchestrator o = connect("127.0.0.1:1", Duration.ofSeconds(1))) {
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(o.render(spec).content());
            java.util.List<String> problems = new java.util.ArrayList<>();
            NomadFields.check("JobRegisterRequest", json, fields, problems);

            assertThat(problems).isEmpty();
            var job = json.path("Job");
            // distinct_hosts is a group constraint; the exec check needs the consul provider; update.delay is refused on
            // service jobs (see NomadRegisterTest)
            assertThat(job.path("Constraints")).hasSize(4);
            assertThat(job.path("TaskGroups").get(0).path("Constraints").get(0).path("Operand").asText()).isEqualTo("distinct_hosts");
            assertThat(job.path("Update").path("Canary").asInt()).isEqualTo(1);
            var group = job.path("TaskGroups").get(0);
            assertThat(group.path("Services").get(0).path("Checks")).hasSize(3);
            assertThat(group.path("Tasks").get(0).path("Templates")).hasSize(2);
            assertThat(group.path("Tasks").get(0).path("Resources").path("CPU").asInt()).isEqualTo(250);
            assertThat(group.path("Tasks").get(0).path("Resources").path("MemoryMB").asInt()).isEqualTo(128);
        }
    }

    @Test
    void watchFollowsTheEventStreamAndLogsComeFromTheClientsLogEndpoint() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address(), Duration.ofSeconds(10))) {
            java.util.List<dev.baton.status.Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (var sub = o.watch("web", events::add)) {
                assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
                long until = System.currentTimeMillis() + 10_000;
                while (events.stream().filter(e -> e.message().startsWith("Allocation")).count() < 2 && System.currentTimeMillis() < until) {
                    Thread.sleep(50);
                }
            }
            assertThat(events).extracting(dev.baton.status.Event::message).contains("Job JobRegistered")
                    .filteredOn(m -> m.equals("Allocation AllocationUpdated")).hasSizeGreaterThanOrEqualTo(2);
            assertThat(nomad.requests).anyMatch(e -> e.getRequest().getUrl().startsWith("/v1/event/stream?topic=Job%3Aweb"));

            var lines = o.facet(dev.baton.LogsFacet.class).orElseThrow().logs("web", 10);
            assertThat(lines).hasSize(2 * 2 * 2).anyMatch(l -> l.stream().equals("stderr") && l.line().equals("listening"));
        }
    }

    @Test
    void consulCanBeChosenAsServiceProviderAndCanariesPromotedByHand() throws Exception {
        nomad = new NomadDouble();
        JobSpec spec = job().toBuilder()
                .group(GroupSpec.builder("api").task(TaskSpec.builder("t").image("localhost/x:1").port(PortSpec.dynamic("http")).build())
                        .service(dev.baton.model.ServiceSpec.internal("api", "http")).build())
                .extension("nomad", Map.of("Meta", Map.of("baton.dev/service-provider", "consul")))
                .build();
        try (Orchestrator o = connect(nomad.address(), Duration.ofSeconds(10))) {
            var job = new com.fasterxml.jackson.databind.ObjectMapper().readTree(o.render(spec).content()).path("Job");
            assertThat(job.path("TaskGroups").get(1).path("Services").get(0).path("Provider").asText()).isEqualTo("consul");
            assertThat(job.path("Meta").has("baton.dev/service-provider")).isFalse();

            JobSpec manual = job().toBuilder().update(dev.baton.model.UpdatePolicy.rolling().withCanary(1))
                    .extension("nomad", Map.of("Update", Map.of("AutoPromote", false))).build();
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            o.deploy(manual);
            Thread.sleep(500);
            assertThat(o.status("web").state()).isEqualTo(dev.baton.status.JobState.DEPLOYING);
            NomadOrchestrator nomadOrchestrator = o.facet(NomadOrchestrator.class).orElseThrow();
            assertThat(nomadOrchestrator.promote("web").await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
        }
        assertThat(nomad.requests).anyMatch(e -> e.getRequest().getUrl().startsWith("/v1/deployment/promote/")
                && e.getRequest().getBodyAsString().contains("\"All\":true"));
    }
}
