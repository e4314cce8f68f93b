package dev.baton.marathon;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.baton.ConflictException;
import dev.baton.DeployOptions;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.InvalidSpecException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.PlatformUnavailableException;
import dev.baton.Target;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.PortSpec;
import dev.baton.model.TaskSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The requests the adapter sends, and how Marathon's failures reach the caller. */
class MarathonRequestsTest {
    private MarathonDouble marathon;
    private MarathonDouble standby;
    private WireMockServer wire;

    @AfterEach
    void stop() {
        if (marathon != null) {
            marathon.shutdown();
        }
        if (standby != null) {
            standby.shutdown();
        }
        if (wire != null) {
            wire.stop();
        }
    }

    static JobSpec job() {
        return JobSpec.builder("web").group(GroupSpec.builder("g").count(2)
                .task(TaskSpec.builder("t").command("/srv/run").port(PortSpec.dynamic("http")).build()).build()).build();
    }

    static Orchestrator connect(String addresses) {
        return Orchestrators.connect(Target.parse("marathon://" + addresses),
                OrchestratorConfig.builder().environment(Map.of("DCOS_TOKEN", "t0k3n")).requestTimeout(Duration.ofSeconds(5)).build());
    }

    private WireMockServer wire() {
        wire = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        wire.stubFor(get(urlPathEqualTo("/v2/apps/web/g")).willReturn(aResponse().withStatus(404).withBody("{\"message\":\"App '/web/g' does not exist\"}")));
        return wire;
    }

    @Test
    void aFirstDeployOfOneAppIsOneWriteAndAnUnchangedRedeployNone() {
        marathon = new MarathonDouble();
        try (Orchestrator o = connect(marathon.address())) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            var again = o.deploy(job());
            assertThat(again.changed()).isFalse();
        }
        assertThat(marathon.requests.stream().filter(e -> !e.getRequest().getMethod().getName().equals("GET"))
                .map(e -> e.getRequest().getMethod().getName() + " " + e.getRequest().getUrl())).containsExactly("PUT /v2/apps/web/g?partialUpdate=false");
        assertThat(marathon.requests.get(0).getRequest().getHeader("Authorization")).isEqualTo("token=t0k3n");
    }

    @Test
    void restartReplacesEveryInstanceOfTheApps() {
        marathon = new MarathonDouble();
        try (Orchestrator o = connect(marathon.address())) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            List<String> before = o.status("web").instances().stream().map(i -> i.id()).toList();

            var restart = o.facet(MarathonOrchestrator.class).orElseThrow().restart("web");

            assertThat(restart.await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            List<String> after = o.status("web").instances().stream().map(i -> i.id()).toList();
            assertThat(after).hasSize(2).doesNotContainAnyElementsOf(before);
        }
        assertThat(marathon.requests).anyMatch(e -> e.getRequest().getMethod().getName().equals("POST")
                && e.getRequest().getUrl().equals("/v2/apps/web/g/restart"));
    }

    @Test
    void anAppLockedByADeploymentIsAConflictUnlessForced() {
        wire();
        wire.stubFor(put(urlPathEqualTo("/v2/apps/web/g")).willReturn(aResponse().withStatus(409).withBody(
                "{\"message\":\"App is locked by one or more deployments. Override with the option '?force=true'.\",\"deployments\":[{\"id\":\"d1\"}]}")));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port())) {
            assertThatThrownBy(() -> o.deploy(job())).isInstanceOf(ConflictException.class).hasMessageContaining("App is locked");
            assertThatThrownBy(() -> o.deploy(job(), DeployOptions.DEFAULT.withForce(true))).isInstanceOf(ConflictException.class);
        }
        assertThat(wire.findAll(putRequestedFor(urlPathEqualTo("/v2/apps/web/g"))))
                .extracting(r -> r.getUrl()).containsExactly("/v2/apps/web/g?partialUpdate=false", "/v2/apps/web/g?force=true&partialUpdate=false");
    }

    @Test
    void aValidationErrorNamesEachPath() {
        wire();
        wire.stubFor(put(urlPathEqualTo("/v2/apps/web/g")).willReturn(aResponse().withStatus(422).withBody(
                "{\"message\":\"Object is not valid\",\"details\":[{\"path\":\"/instances\",\"errors\":[\"error.min\"]}]}")));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port())) {
            assertThatThrownBy(() -> o.deploy(job())).isInstanceOfSatisfying(InvalidSpecException.class,
                    e -> assertThat(e.violations()).extracting(Object::toString).containsExactly("/instances: error.min"));
        }
    }

    @Test
    void aStandbyWithoutALeaderAnswers502AndRequestsGoToTheLeaderItNamesByItsHostname() {
        // the leader was started with --hostname localhost: it names itself localhost:<port>, configured as 127.0.0.1:<port>
        marathon = new MarathonDouble().hostname("localhost");
        standby = new MarathonDouble();
        standby.followLeader(null);
        try (Orchestrator o = connect(standby.address() + "," + marathon.address())) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(o.status("web").instances()).hasSize(2);
        }
        // the standby was asked for the leader once (LeaderProxyFilter: 502 "Could not determine the current leader"),
        // then everything went to the leader the next instance named
        assertThat(standby.requests).extracting(e -> e.getRequest().getUrl()).containsExactly("/v2/leader");
        assertThat(standby.eventRequests).isEmpty();
        assertThat(marathon.appsSent()).hasSize(1);
    }

    @Test
    void aLeaderThatStepsDownDuringADeployHandsTheWriteToTheNewLeaderOnce() {
        marathon = new MarathonDouble();
        wire = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        // the first leader names itself and answers the read, then loses leadership before the write
        wire.stubFor(get(urlPathEqualTo("/v2/leader")).inScenario("stepdown").whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willReturn(aResponse().withBody("{\"leader\":\"127.0.0.1:" + wire.port() + "\"}")));
        wire.stubFor(get(urlPathEqualTo("/v2/apps/web/g")).willReturn(aResponse().withStatus(404).withBody("{\"message\":\"App '/web/g' does not exist\"}")));
        wire.stubFor(com.github.tomakehurst.wiremock.client.WireMock.put(urlPathEqualTo("/v2/apps/web/g")).inScenario("stepdown")
                .willReturn(aResponse().withStatus(502).withHeader("Content-Type", "text/html;charset=ISO-8859-1")
                        .withBody(MarathonDouble.jettyErrorPage(502, "/v2/apps/web/g", "Could not determine the current leader")))
                .willSetStateTo("stepped-down"));
        wire.stubFor(get(urlPathEqualTo("/v2/leader")).inScenario("stepdown").whenScenarioStateIs("stepped-down")
                .willReturn(aResponse().withBody("{\"leader\":\"" + marathon.address() + "\"}")));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port() + "," + marathon.address())) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
        }
        assertThat(wire.getAllServeEvents()).filteredOn(e -> e.getRequest().getMethod().getName().equals("PUT")).hasSize(1);
        assertThat(marathon.appsSent()).as("one app, created by the new leader").hasSize(1);
    }

    @Test
    void aResponseSlowerThanTheTimeoutIsUnavailableNotAHang() {
        wire = wire();
        wire.stubFor(get(urlPathEqualTo("/v2/apps")).willReturn(aResponse().withFixedDelay(5_000).withBody("{\"apps\":[]}")));
        try (Orchestrator o = Orchestrators.connect(Target.parse("marathon://127.0.0.1:" + wire.port()), OrchestratorConfig.builder()
                .environment(Map.of()).requestTimeout(Duration.ofMillis(500)).retryPolicy(dev.baton.spi.RetryPolicy.none()).build())) {
            // the client's own read timeout ends the call (the server would answer after 5 s)
            assertThatThrownBy(() -> o.status("web")).isInstanceOf(PlatformUnavailableException.class).hasMessageContaining("timed out");
        }
    }

    @Test
    void aMalformedResponseIsAPlatformErrorThatSaysSo() {
        wire = wire();
        wire.stubFor(get(urlPathEqualTo("/v2/apps")).willReturn(aResponse().withHeader("Content-Type", "application/json").withBody("{\"apps\": [")));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port())) {
            assertThatThrownBy(() -> o.status("web")).isInstanceOf(dev.baton.PlatformException.class).hasMessageContaining("malformed JSON");
        }
    }

    @Test
    void noLeaderAnywhereIsPlatformUnavailable() {
        wire = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        wire.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(com.github.tomakehurst.wiremock.client.WireMock.anyUrl())
                .willReturn(aResponse().withStatus(502).withHeader("Content-Type", "text/html;charset=ISO-8859-1")
                        .withBody(MarathonDouble.jettyErrorPage(502, "/v2/apps", "Could not determine the current leader"))));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port())) {
            assertThatThrownBy(() -> o.status("web")).isInstanceOf(PlatformUnavailableException.class)
                    .hasMessageContaining("no Marathon leader").hasMessageContaining("Could not determine the current leader");
        }
    }

    @Test
    void batchJobsAreRefusedSayingMetronomeIsAnotherSystem() {
        try (Orchestrator o = connect("127.0.0.1:1")) {
            assertThatThrownBy(() -> o.deploy(job().toBuilder().type(JobType.BATCH).build()))
                    .isInstanceOf(UnsupportedCapabilityException.class).hasMessageContaining("Metronome");
        }
    }

    @Test
    void volumesBecomePersistentLocalVolumesThatValidateAgainstTheSchema() throws Exception {
        JobSpec spec = dev.baton.Specs.read("""
                apiVersion: baton/v1
                name: db
                groups:
                  - name: pg
                    count: 2
                    tasks:
                      - name: postgres
                        image: postgres:17
                        volumes:
                          - {volume: data, mountPath: /var/lib/postgresql/data}
                          - {volume: conf, mountPath: /etc/app, readOnly: true}
                volumes:
                  - {name: data, size: 1Gi}
                  - {name: conf, size: 10Mi}
                update: {parallelism: 1}
                """);
        try (Orchestrator o = connect("127.0.0.1:1")) {
            var app = new com.fasterxml.jackson.databind.ObjectMapper().readTree(o.render(spec).content());
            assertThat(app.path("container").path("volumes").toString()).isEqualTo("["
                    + "{\"containerPath\":\"data\",\"mode\":\"RW\",\"persistent\":{\"type\":\"root\",\"size\":1024}},"
                    + "{\"containerPath\":\"/var/lib/postgresql/data\",\"hostPath\":\"data\",\"mode\":\"RW\"},"
                    + "{\"containerPath\":\"conf\",\"mode\":\"RW\",\"persistent\":{\"type\":\"root\",\"size\":10}},"
                    + "{\"containerPath\":\"/etc/app\",\"hostPath\":\"conf\",\"mode\":\"RO\"}]");
            // an instance keeps its reservation: no instance above the count, at most half kept during an upgrade
            assertThat(app.path("upgradeStrategy").toString()).isEqualTo("{\"minimumHealthCapacity\":0.5,\"maximumOverCapacity\":0.0}");
            assertThat(app.has("residency")).as("deprecated in the RAML, without effect").isFalse();
            AppSchema schema = AppSchema.load();
            if (schema != null) {
                assertThat(schema.validate(app.toString())).isEmpty();
            }
        }
    }

    @Test
    void aGroupWithSeveralTasksIsAPodWhoseFieldsTheRamlTypesDeclare() throws Exception {
        PodRaml raml = PodRaml.load();
        org.junit.jupiter.api.Assumptions.assumeTrue(raml != null, "../shared/upstream/marathon is absent");
        String yaml = """
                apiVersion: baton/v1
                name: shop
                groups:
                  - name: web
                    count: 2
                    tasks:
                      - name: server
                        image: nginx:1.27
                        args: ["-g", "daemon off;"]
                        resources: {cpu: 500m, memory: 256Mi}
                        ports: [{name: http, port: 8080}]
                        health: [{http: {port: http, path: /healthz}, interval: 5s}]
                        volumes: [{volume: cache, mountPath: /var/cache/nginx}]
                      - name: exporter
                        command: [/bin/exporter, --scrape, "http://127.0.0.1:8080/"]
                        ports: [{name: metrics}]
                        health: [{exec: {command: [test, -f, /tmp/ready]}}]
                    services: [{name: shop, port: http}]
                    restart: {policy: always, delay: 10s}
                volumes: [{name: cache, size: 512Mi}]
                update: {strategy: rolling, parallelism: 1}
                placement: {distinctHosts: true, constraints: [{attribute: node.labels.zone, operator: "==", value: a}]}
                """;
        try (Orchestrator o = connect("127.0.0.1:1")) {
            var pod = new com.fasterxml.jackson.databind.ObjectMapper().readTree(o.render(dev.baton.Specs.read(yaml)).content());
            assertThat(raml.problems(pod)).isEmpty();
            assertThat(pod.path("id").asText()).isEqualTo("/shop/web");
            assertThat(pod.path("scaling").toString()).isEqualTo("{\"kind\":\"fixed\",\"instances\":2}");
            assertThat(pod.path("networks").toString()).isEqualTo("[{\"mode\":\"host\"}]");
            var server = pod.path("containers").get(0);
            assertThat(server.path("image").toString()).isEqualTo("{\"kind\":\"DOCKER\",\"id\":\"nginx:1.27\"}");
            assertThat(server.path("endpoints").toString()).isEqualTo("[{\"name\":\"http\",\"hostPort\":8080,\"protocol\":[\"tcp\"]}]");
            assertThat(server.path("healthCheck").path("http").toString()).isEqualTo("{\"endpoint\":\"http\",\"path\":\"/healthz\",\"scheme\":\"HTTP\"}");
            assertThat(server.path("volumeMounts").toString()).isEqualTo("[{\"name\":\"cache\",\"mountPath\":\"/var/cache/nginx\",\"readOnly\":false}]");
            var exporter = pod.path("containers").get(1);
            assertThat(exporter.path("exec").path("command").path("shell").asText())
                    .isEqualTo("export PORT_METRICS=\"$EP_HOST_METRICS\"; exec /bin/exporter --scrape http://127.0.0.1:8080/");
            assertThat(exporter.path("resources").toString()).as("Marathon's defaults").isEqualTo("{\"cpus\":1.0,\"mem\":128.0}");
            assertThat(pod.path("volumes").toString()).isEqualTo("[{\"name\":\"cache\",\"persistent\":{\"type\":\"root\",\"size\":512}}]");
            assertThat(pod.path("scheduling").path("upgrade").toString()).isEqualTo("{\"minimumHealthCapacity\":0.5,\"maximumOverCapacity\":0.0}");
            assertThat(pod.path("scheduling").path("placement").path("constraints").toString())
                    .isEqualTo("[{\"fieldName\":\"hostname\",\"operator\":\"UNIQUE\"},{\"fieldName\":\"zone\",\"operator\":\"CLUSTER\",\"value\":\"a\"}]");
            assertThat(pod.path("scheduling").path("backoff").path("backoff").asDouble()).isEqualTo(10.0);

            // the checker is not vacuous: a field no RAML type declares is reported, at its path
            var patched = new com.fasterxml.jackson.databind.ObjectMapper().readTree(o.render(dev.baton.Specs.read(yaml + """
                    extensions:
                      marathon: {scaling: {replicas: 2}}
                    """)).content());
            assertThat(raml.problems(patched)).singleElement().asString().startsWith("/shop/web.scaling.replicas");
        }
    }

    @Test
    void aVolumeWithoutASizeOrSharedByTwoGroupsIsRefused() {
        JobSpec spec = dev.baton.Specs.read("""
                apiVersion: baton/v1
                name: db
                groups:
                  - {name: a, tasks: [{name: t, image: busybox, volumes: [{volume: data, mountPath: /d}]}]}
                  - {name: b, tasks: [{name: t, image: busybox, volumes: [{volume: data, mountPath: /d}]}]}
                volumes: [{name: data}]
                """);
        try (Orchestrator o = connect("127.0.0.1:1")) {
            assertThatThrownBy(() -> o.deploy(spec)).isInstanceOfSatisfying(dev.baton.UnsupportedCapabilityException.class,
                    e -> assertThat(e.unsupported()).extracting(dev.baton.Unsupported::path).containsExactly("volumes[0].size", "volumes[0]"));
        }
    }

    @Test
    void renderedAppsValidateAgainstTheSchema() throws Exception {
        AppSchema schema = AppSchema.load();
        org.junit.jupiter.api.Assumptions.assumeTrue(schema != null, "../shared/upstream/marathon is absent");
        JobSpec spec = dev.baton.Specs.read("""
                apiVersion: baton/v1
                name: shop
                namespace: prod
                labels: {team: shop}
                groups:
                  - name: web
                    count: 3
                    tasks:
                      - name: server
                        image: nginx:1.27
                        args: ["-g", "daemon off;"]
                        env: {LOG_LEVEL: info}
                        resources: {cpu: 250m, memory: 128Mi}
                        ports: [{name: http, port: 8080}, {name: admin}]
                        health:
                          - {http: {port: http, path: /healthz}, gracePeriod: 15s}
                    services: [{name: shop, port: http, expose: published}]
                    restart: {policy: always, delay: 5s}
                  - name: worker
                    tasks: [{name: w, command: [/srv/worker, --queue, jobs], health: [{exec: {command: [cat, /srv/ready]}}]}]
                update: {strategy: rolling, parallelism: 1, onFailure: rollback, healthyDeadline: 5m}
                placement:
                  constraints:
                    - {attribute: node.labels.zone, operator: "==", value: eu-1a}
                    - {attribute: node.labels.disk, operator: in, values: [ssd, nvme]}
                    - {attribute: node.hostname, operator: "!=", value: bad-host}
                  spread: node.labels.zone
                  distinctHosts: true
                """);
        try (Orchestrator o = connect("127.0.0.1:1")) {
            var apps = new com.fasterxml.jackson.databind.ObjectMapper().readTree(o.render(spec).content());
            assertThat(apps).hasSize(2);
            for (var app : apps) {
                assertThat(schema.validate(app.toString())).as(app.path("id").asText()).isEmpty();
            }
            assertThat(apps.get(0).path("id").asText()).isEqualTo("/prod/shop/web");
            // one check per task: Marathon gives Mesos one (AppValidation.haveAtMostOneMesosHealthCheck, TaskBuilder)
            assertThat(apps.get(0).path("healthChecks")).hasSize(1);
            assertThat(apps.get(1).path("healthChecks").get(0).path("protocol").asText()).isEqualTo("COMMAND");
            assertThat(apps.get(0).path("constraints")).hasSize(5);
        }
    }

    /** A service whose task prints a line and exits 1, without checks, rolled back after 3 s. */
    static JobSpec crashing() {
        return JobSpec.builder("web").group(GroupSpec.builder("g").count(1)
                .task(TaskSpec.builder("t").command("sh", "-c", "echo crashing; exit 1").port(PortSpec.dynamic("http")).build()).build())
                .update(dev.baton.model.UpdatePolicy.rolling().withParallelism(1).withHealthyDeadline(Duration.ofSeconds(3))
                        .withOnFailure(dev.baton.model.OnFailure.ROLLBACK))
                .build();
    }

    /** The app Marathon would show for {@link #job()} (as rendered, with a version), with {@code tasks}. */
    private static com.fasterxml.jackson.databind.node.ObjectNode appWith(String... tasks) throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode app;
        try (Orchestrator o = connect("127.0.0.1:1")) {
            app = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(o.render(job()).content());
        }
        app.put("version", "2026-11-24T00:00:01Z");
        var ts = app.putArray("tasks");
        for (String t : tasks) {
            ts.add(json.readTree(t));
        }
        app.putArray("deployments");
        return app;
    }

    private void stubApp(com.fasterxml.jackson.databind.node.ObjectNode app) {
        wire.stubFor(get(urlPathEqualTo("/v2/apps")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody("{\"apps\":[" + app + "]}")));
        var definition = app.deepCopy();
        definition.remove(List.of("tasks", "deployments", "lastTaskFailure", "tasksRunning", "tasksHealthy", "tasksStaged", "tasksUnhealthy"));
        wire.stubFor(get(urlPathEqualTo("/v2/apps/web/g/versions/2026-11-24T00:00:01Z")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(definition.toString())));
    }

    private static String task(String id, String state, java.time.Instant startedAt) {
        return "{\"id\":\"" + id + "\",\"appId\":\"/web/g\",\"host\":\"10.0.0.7\",\"slaveId\":\"agent-1\",\"state\":\"" + state + "\""
                + (startedAt == null ? "" : ",\"startedAt\":\"" + startedAt + "\",\"stagedAt\":\"" + startedAt.minusMillis(100)
                + "\",\"ports\":[31001],\"version\":\"2026-11-24T00:00:01Z\"") + "}";
    }

    @Test
    void aTaskThatHasJustStartedDoesNotCountAsHealthyYet() throws Exception {
        wire();
        java.time.Instant now = java.time.Instant.now();
        // a crash-looping app in the instant its relaunched task runs: Marathon's deployment has ended (at the first
        // TASK_RUNNING, as it does for an app without checks) and tasksRunning equals instances
        var app = appWith(task("web_g.a", "TASK_RUNNING", now.minusSeconds(30)), task("web_g.b.3", "TASK_RUNNING", now.minusMillis(50)));
        app.put("tasksRunning", 2).put("tasksHealthy", 0);
        stubApp(app);
        try (Orchestrator o = connect("127.0.0.1:" + wire.port())) {
            var status = o.status("web");

            assertThat(status.health()).as("%s", status).isNotEqualTo(dev.baton.status.Health.HEALTHY);
            assertThat(status.instances()).filteredOn(i -> i.id().equals("web_g.b.3")).singleElement().satisfies(i -> {
                assertThat(i.state()).isEqualTo(dev.baton.status.InstanceState.RUNNING);
                assertThat(i.health()).isEqualTo(dev.baton.status.Health.UNKNOWN);
                assertThat(i.isHealthy()).isFalse();
            });
            assertThat(status.instances()).filteredOn(i -> i.id().equals("web_g.a")).singleElement()
                    .satisfies(i -> assertThat(i.isHealthy()).as("running for 30 s").isTrue());
        }
    }

    @Test
    void aTaskThatFailedCarriesTheAppsLastTaskFailure() throws Exception {
        wire();
        java.time.Instant now = java.time.Instant.now();
        // Marathon writes version, startedAt, stagedAt and ports for active tasks only
        var app = appWith(task("web_g.a", "TASK_RUNNING", now.minusSeconds(30)), task("web_g.b.2", "TASK_FAILED", null));
        app.put("tasksRunning", 1);
        app.putObject("lastTaskFailure").put("appId", "/web/g").put("host", "10.0.0.7").put("message", "Command exited with status 1")
                .put("state", "TASK_FAILED").put("taskId", "web_g.b.2").put("timestamp", now.minusMillis(200).toString())
                .put("version", "2026-11-24T00:00:01Z").put("slaveId", "agent-1");
        stubApp(app);
        try (Orchestrator o = connect("127.0.0.1:" + wire.port())) {
            var status = o.status("web");

            assertThat(status.health()).isNotEqualTo(dev.baton.status.Health.HEALTHY);
            assertThat(status.message()).isEqualTo("Command exited with status 1");
            assertThat(status.instances()).filteredOn(i -> i.id().equals("web_g.b.2")).singleElement().satisfies(i -> {
                assertThat(i.state()).isEqualTo(dev.baton.status.InstanceState.FAILED);
                assertThat(i.reason()).isEqualTo("Command exited with status 1");
                assertThat(i.exitCode()).isEqualTo(1);
                assertThat(i.version()).isNull();
            });
        }
        assertThat(wire.getAllServeEvents()).extracting(e -> e.getRequest().getUrl()).noneMatch(u -> u.endsWith("/versions/"));
    }

    @Test
    void aCrashingServiceEndsFailedThoughMarathonEndedItsDeployment() throws Exception {
        marathon = new MarathonDouble();
        List<dev.baton.status.Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Orchestrator o = connect(marathon.address())) {
            var deployment = o.deploy(crashing());
            deployment.onEvent(events::add);
            var result = deployment.await(Duration.ofSeconds(20));

            assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.FAILED);
            assertThat(result.message()).contains("not healthy within 3s").contains("Command exited with status 1");
            assertThat(events).noneMatch(e -> e.type() == dev.baton.status.Event.Type.DEPLOYMENT_SUCCEEDED);
            // what Marathon says meanwhile: no deployment left, the last failure, the app delayed in the launch queue
            var http = java.net.http.HttpClient.newHttpClient();
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            var deployments = json.readTree(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + marathon.address()
                    + "/v2/deployments")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body());
            assertThat(deployments).isEmpty();
            var app = json.readTree(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + marathon.address()
                    + "/v2/apps/web/g")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body()).path("app");
            assertThat(app.path("lastTaskFailure").path("message").asText()).isEqualTo("Command exited with status 1");
            assertThat(app.path("tasksHealthy").asInt()).isZero();
            assertThat(o.status("web").instances()).noneMatch(dev.baton.status.InstanceStatus::isHealthy);
            // between two launches the app waits in the launch queue for its backoff (not a timing assertion: the
            // double is asked until it shows one of its delays)
            com.fasterxml.jackson.databind.JsonNode queued = null;
            for (int i = 0; i < 200 && queued == null; i++) {
                var queue = json.readTree(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + marathon.address()
                        + "/v2/queue")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body()).path("queue");
                if (queue.size() > 0) {
                    queued = queue.get(0);
                } else {
                    Thread.sleep(25);
                }
            }
            assertThat(queued).as("the app in /v2/queue").isNotNull();
            assertThat(queued.path("app").path("id").asText()).isEqualTo("/web/g");
            assertThat(queued.path("count").asInt()).isEqualTo(1);
            assertThat(queued.path("delay").path("overdue").asBoolean()).isFalse();
        }
        assertThat(marathon.requests.stream().filter(e -> !e.getRequest().getMethod().getName().equals("GET"))
                .map(e -> e.getRequest().getMethod().getName() + " " + e.getRequest().getUrl())).containsExactly("PUT /v2/apps/web/g?partialUpdate=false");
    }

    @Test
    void aCrashingUpdateIsRolledBackWithThePreviousDefinitionOnceMarathonHasEndedItsDeployment() {
        marathon = new MarathonDouble();
        JobSpec good = job().withCount("g", 1).toBuilder().update(crashing().update()).build();
        try (Orchestrator o = connect(marathon.address())) {
            assertThat(o.deploy(good).await(Duration.ofSeconds(20)).outcome()).isEqualTo(Outcome.HEALTHY);

            var result = o.deploy(crashing()).await(Duration.ofSeconds(20));

            assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.ROLLED_BACK);
            assertThat(o.status("web").version()).isEqualTo(dev.baton.spi.SpecVersion.of(good));
        }
        // Marathon had no deployment left to delete: the previous definition went back with a PUT
        assertThat(marathon.requests.stream().filter(e -> !e.getRequest().getMethod().getName().equals("GET"))
                .map(e -> e.getRequest().getMethod().getName() + " " + e.getRequest().getUrl()))
                .containsExactly("PUT /v2/apps/web/g?partialUpdate=false", "PUT /v2/apps/web/g?partialUpdate=false", "PUT /v2/apps/web/g?partialUpdate=false");
        assertThat(marathon.appsSent().get(2).path("labels").path(dev.baton.spi.SpecVersion.LABEL).asText())
                .isEqualTo(dev.baton.spi.SpecVersion.of(good));
    }

    @Test
    void requestsGoToTheLeaderTheInstancesName() {
        marathon = new MarathonDouble();
        wire = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        // a follower that knows the leader; it would answer anything else with an error
        wire.stubFor(get(urlPathEqualTo("/v2/leader")).willReturn(aResponse().withStatus(200)
                .withBody("{\"leader\":\"" + marathon.address() + "\"}")));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port() + "," + marathon.address())) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
        }
        assertThat(wire.getAllServeEvents()).extracting(e -> e.getRequest().getUrl()).containsExactly("/v2/leader");
        assertThat(marathon.appsSent()).hasSize(1);
    }

    /** Waits (at most 10 s) until {@code condition} holds: for something another thread does, not a timing assertion. */
    private static void eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 400 && !condition.getAsBoolean(); i++) {
            Thread.sleep(25);
        }
        assertThat(condition.getAsBoolean()).as("condition reached").isTrue();
    }

    @Test
    void theEventStreamFollowsAStandbysRedirectToTheLeaderWithItsCredentials() throws Exception {
        // a leader that wants the token and names itself by its --hostname, and a standby of it, configured first
        marathon = new MarathonDouble().hostname("localhost").requireAuthorization("token=t0k3n");
        standby = MarathonDouble.standbyOf(marathon);
        List<dev.baton.status.Event> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Orchestrator o = connect(standby.address() + "," + marathon.address())) {
            // watching first: its stream goes to the first instance, which redirects /v2/events to the leader
            try (var watching = o.watch("web", seen::add)) {
                eventually(() -> !marathon.eventRequests.isEmpty());

                assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
                eventually(() -> !seen.isEmpty());
            }
        }
        assertThat(standby.eventRequests).as("the standby's redirect").hasSize(1);
        // OkHttp would have dropped the token on the way to another host, and the leader would have answered 401
        assertThat(marathon.eventRequests).extracting(MarathonDouble.EventRequest::authorization).isNotEmpty().containsOnly("token=t0k3n");
        // the redirect named the leader, a configured server: every request went there directly
        assertThat(standby.requests).isEmpty();
        assertThat(marathon.requests).extracting(e -> e.getRequest().getHeader("Authorization")).containsOnly("token=t0k3n");
    }

    @Test
    void aRedirectToAnInstanceThatIsNotConfiguredGetsNoCredentials() throws Exception {
        marathon = new MarathonDouble().hostname("localhost").requireAuthorization("token=t0k3n");
        standby = MarathonDouble.standbyOf(marathon);
        try (Orchestrator o = connect(standby.address())) {
            try (var watching = o.watch("web", e -> { })) {
                eventually(() -> !standby.eventRequests.isEmpty());
                // a request goes through the standby, which forwards it to the leader (with the token: it was sent to the standby)
                assertThat(o.platform().leader()).isEqualTo(marathon.hostPort());
                Thread.sleep(300);
            }
        }
        assertThat(marathon.eventRequests).as("the stream was not followed to a host the token was not meant for").isEmpty();
        assertThat(standby.eventRequests.size()).as("backing off, not every 200 ms").isLessThanOrEqualTo(3);
    }

    @Test
    void aMarathonBehindAdminRouterIsReachedUnderItsBasePath() {
        // DC/OS serves Marathon as https://<master>/service/marathon
        marathon = new MarathonDouble("/service/marathon");
        try (Orchestrator o = connect(marathon.address() + "/service/marathon")) {
            assertThat(o.deploy(job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(o.status("web").instances()).hasSize(2);
        }
        assertThat(marathon.requests).isNotEmpty().allSatisfy(e -> assertThat(e.getRequest().getUrl()).startsWith("/service/marathon/v2/"));
        assertThat(marathon.eventRequests).isNotEmpty().allSatisfy(r -> assertThat(r.url()).startsWith("/service/marathon/v2/events?"));
    }

    @Test
    void tooManyRunningDeploymentsIsAConflictNotAnAuthenticationFailure() {
        marathon = new MarathonDouble().maxRunningDeployments(1);
        // a deployment that does not end: its check never passes
        JobSpec stuck = JobSpec.builder("stuck").group(GroupSpec.builder("g").count(1).task(TaskSpec.builder("t").command("/srv/run").env("FAIL", "1")
                .port(PortSpec.dynamic("http")).health(new dev.baton.model.HealthCheck.Http("http", "/healthz",
                        new dev.baton.model.CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null))).build()).build()).build();
        try (Orchestrator o = connect(marathon.address())) {
            assertThat(o.deploy(stuck).changed()).isTrue();

            assertThatThrownBy(() -> o.deploy(job())).isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.getMessage())
                    .contains("Max number (1) of running deployments is achieved"));
        }
    }

    @Test
    void anAuthorizersRefusalIsAnAuthenticationFailure() {
        wire();
        // RAML trait secured, 403: "Not Authorized to perform this action!"
        wire.stubFor(put(urlPathEqualTo("/v2/apps/web/g")).willReturn(aResponse().withStatus(403).withBody("{\"message\":\"Not Authorized to perform this action!\"}")));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port())) {
            assertThatThrownBy(() -> o.deploy(job())).isInstanceOf(dev.baton.AuthenticationException.class).hasMessageContaining("Not Authorized");
        }
    }
}
