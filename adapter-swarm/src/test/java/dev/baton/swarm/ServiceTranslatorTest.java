package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Specs;
import dev.baton.Target;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.JobSpec;
import dev.baton.swarm.internal.Engine;
import dev.baton.swarm.internal.ServiceTranslator;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The Engine API service specs a portable spec becomes, and what is refused; no engine needed (render and refusals
 * never contact one: the target is a socket that does not exist).
 */
class ServiceTranslatorTest {
    static final Orchestrator SWARM = Orchestrators.connect(Target.parse("swarm://unix/tmp/baton-no-engine-here.sock"),
            OrchestratorConfig.builder().environment(Map.of()).build());

    @AfterAll
    static void close() {
        SWARM.close();
    }

    static JsonNode render(String yaml) throws Exception {
        return Engine.JSON.readTree(SWARM.render(Specs.read(yaml)).content());
    }

    static final String FULL = """
            apiVersion: baton/v1
            name: shop
            namespace: team-a
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
                    ports:
                      - {name: http, port: 8080}
                      - {name: dns, port: 5353, protocol: udp}
                    health:
                      - exec: {command: [cat, /srv/ready]}
                        interval: 5s
                        timeout: 2s
                        retries: 4
                        gracePeriod: 15s
                    secrets:
                      - {secret: tls, key: cert, file: /etc/tls/cert.pem}
                    volumes:
                      - {volume: data, mountPath: /var/lib/data, readOnly: true}
                services:
                  - {name: shop-web, port: http, expose: internal}
                  - {name: shop-public, port: http, expose: published, publishedPort: 30080}
                  - {name: shop-dns, port: dns, expose: published}
                restart: {policy: on-failure, attempts: 3, delay: 5s}
            secrets:
              - name: tls
            volumes:
              - name: data
            update:
              strategy: rolling
              parallelism: 2
              delay: 10s
              minHealthyTime: 20s
              onFailure: rollback
              canary: 1
            placement:
              constraints:
                - {attribute: node.labels.zone, operator: "==", value: eu-1a}
                - {attribute: node.os, operator: "!=", value: windows}
              spread: node.labels.zone
              distinctHosts: true
            extensions:
              swarm:
                TaskTemplate: {LogDriver: {Name: journald}}
            """;

    @Test
    void everyFieldOfTheSpecLandsInTheServiceSpec() throws Exception {
        JsonNode s = render(FULL);

        assertThat(s.path("Name").asText()).isEqualTo("shop_web");
        assertThat(s.path("Labels").path("team").asText()).isEqualTo("shop");
        assertThat(s.path("Labels").path("baton.dev/job").asText()).isEqualTo("shop");
        assertThat(s.path("Labels").path("baton.dev/namespace").asText()).isEqualTo("team-a");
        assertThat(s.path("Labels").path("baton.dev/service.shop-web").asText()).isEqualTo("http");
        assertThat(Specs.read(s.path("Labels").path(ServiceTranslator.SPEC_LABEL).asText())).isEqualTo(Specs.read(FULL));

        JsonNode t = s.path("TaskTemplate");
        JsonNode c = t.path("ContainerSpec");
        assertThat(c.path("Image").asText()).isEqualTo("nginx:1.27");
        assertThat(c.path("Command").toString()).isEqualTo("[\"nginx\"]");
        assertThat(c.path("Args").toString()).isEqualTo("[\"-g\",\"daemon off;\"]");
        // PORT_<NAME> of every port, as on every platform; then the spec's own variables
        assertThat(c.path("Env").toString()).isEqualTo("[\"PORT_HTTP=8080\",\"PORT_DNS=5353\",\"LOG_LEVEL=info\"]");
        assertThat(c.path("Dir").asText()).isEqualTo("/srv");
        assertThat(c.path("Labels").path("team").asText()).isEqualTo("shop");
        assertThat(c.path("Labels").path(ServiceTranslator.TASK_LABEL).asText()).as("the task's name").isEqualTo("server");
        assertThat(c.path("HealthCheck").toString()).isEqualTo(
                "{\"Test\":[\"CMD\",\"cat\",\"/srv/ready\"],\"Interval\":5000000000,\"Timeout\":2000000000,\"Retries\":4,\"StartPeriod\":15000000000}");
        assertThat(c.path("Secrets").get(0).path("File").path("Name").asText()).isEqualTo("/etc/tls/cert.pem");
        assertThat(c.path("Secrets").get(0).path("File").path("Mode").asInt()).isEqualTo(0444);
        assertThat(c.path("Secrets").get(0).path("SecretName").asText()).isEqualTo("tls.cert");
        assertThat(c.path("Mounts").get(0).toString()).contains("\"Type\":\"volume\"", "\"Source\":\"shop_data\"",
                "\"Target\":\"/var/lib/data\"", "\"ReadOnly\":true");
        assertThat(t.path("Resources").path("Limits").toString()).isEqualTo("{\"NanoCPUs\":250000000,\"MemoryBytes\":134217728}");
        assertThat(t.path("Resources").path("Reservations")).isEqualTo(t.path("Resources").path("Limits"));
        assertThat(t.path("RestartPolicy").toString()).isEqualTo("{\"Condition\":\"on-failure\",\"Delay\":5000000000,\"MaxAttempts\":3}");
        assertThat(t.path("Placement").path("Constraints").toString()).isEqualTo("[\"node.labels.zone==eu-1a\",\"node.platform.os!=windows\"]");
        assertThat(t.path("Placement").path("Preferences").toString()).isEqualTo("[{\"Spread\":{\"SpreadDescriptor\":\"node.labels.zone\"}}]");
        assertThat(t.path("Placement").path("MaxReplicas").asInt()).isEqualTo(1);
        assertThat(t.path("Networks").toString()).isEqualTo("[{\"Target\":\"shop_default\",\"Aliases\":[\"shop-web\"]}]");
        assertThat(t.path("LogDriver").path("Name").asText()).as("the extension is merged in").isEqualTo("journald");

        assertThat(s.path("Mode").toString()).isEqualTo("{\"Replicated\":{\"Replicas\":3}}");
        assertThat(s.path("UpdateConfig").toString()).isEqualTo(
                "{\"Parallelism\":2,\"Delay\":10000000000,\"FailureAction\":\"rollback\",\"Monitor\":20000000000,\"MaxFailureRatio\":0,\"Order\":\"start-first\"}");
        assertThat(s.path("RollbackConfig").path("FailureAction").asText()).isEqualTo("pause");
        assertThat(s.path("EndpointSpec").toString()).isEqualTo("{\"Mode\":\"vip\",\"Ports\":["
                + "{\"Name\":\"shop-public\",\"Protocol\":\"tcp\",\"TargetPort\":8080,\"PublishedPort\":30080,\"PublishMode\":\"ingress\"},"
                + "{\"Name\":\"shop-dns\",\"Protocol\":\"udp\",\"TargetPort\":5353,\"PublishMode\":\"ingress\"}]}");
    }

    @Test
    void systemAndBatchJobsBecomeGlobalAndReplicatedJobModes() throws Exception {
        JsonNode system = render("""
                apiVersion: baton/v1
                name: agent
                type: system
                groups: [{name: a, tasks: [{name: t, image: busybox}]}]
                """);
        JsonNode batch = render("""
                apiVersion: baton/v1
                name: report
                type: batch
                groups: [{name: run, count: 4, tasks: [{name: t, image: busybox}]}]
                """);

        assertThat(system.path("Mode").toString()).isEqualTo("{\"Global\":{}}");
        assertThat(batch.path("Mode").toString()).isEqualTo("{\"ReplicatedJob\":{\"MaxConcurrent\":4,\"TotalCompletions\":4}}");
        assertThat(batch.path("TaskTemplate").path("RestartPolicy").path("Condition").asText()).isEqualTo("on-failure");
        assertThat(batch.has("UpdateConfig")).isFalse();
    }

    @Test
    void recreateStopsEverythingFirst() throws Exception {
        JsonNode s = render("""
                apiVersion: baton/v1
                name: shop
                groups: [{name: web, tasks: [{name: t, image: busybox}]}]
                update: {strategy: recreate}
                """);
        assertThat(s.path("UpdateConfig").path("Parallelism").asInt()).isZero();
        assertThat(s.path("UpdateConfig").path("Order").asText()).isEqualTo("stop-first");
    }

    @Test
    void severalGroupsAreSeveralServicesAndTheHostNetworkNeedsNoOverlay() throws Exception {
        JsonNode both = render("""
                apiVersion: baton/v1
                name: shop
                groups:
                  - {name: web, tasks: [{name: t, image: busybox, ports: [{name: http, port: 80}]}], services: [{name: web, port: http}]}
                  - {name: db, tasks: [{name: t, image: busybox}]}
                extensions:
                  swarm: {TaskTemplate: {Networks: [{Target: host}]}}
                """);
        assertThat(both.isArray()).isTrue();
        assertThat(both.get(0).path("Name").asText()).isEqualTo("shop_web");
        assertThat(both.get(1).path("Name").asText()).isEqualTo("shop_db");
        assertThat(ServiceTranslator.services(Specs.read("""
                apiVersion: baton/v1
                name: shop
                groups: [{name: web, tasks: [{name: t, image: busybox, ports: [{name: http, port: 80}]}], services: [{name: web, port: http}]}]
                extensions:
                  swarm: {TaskTemplate: {Networks: [{Target: host}]}}
                """)).get(0).network()).isNull();
    }

    @Test
    void whatSwarmCannotDoIsRefusedNamingTheFieldAndThePlatform() {
        String[][] cases = {
                {"type: cron\nschedule: \"* * * * *\"\ngroups: [{name: g, tasks: [{name: t, image: busybox}]}]", "type"},
                {"groups: [{name: g, tasks: [{name: t, command: [sleep, '1']}]}]", "groups[0].tasks[0]"},
                {"groups: [{name: g, tasks: [{name: a, image: busybox}, {name: b, image: busybox}]}]", "groups[0].tasks"},
                {"groups: [{name: g, tasks: [{name: t, image: busybox, ports: [{name: http, port: 80}], health: [{http: {port: http}}]}]}]", "groups[0].tasks[0].health[0]"},
                {"groups: [{name: g, tasks: [{name: t, image: busybox, ports: [{name: http}]}]}]", "groups[0].tasks[0].ports[0]"},
                {"groups: [{name: g, tasks: [{name: t, image: busybox, health: [{exec: {command: ['true']}}, {exec: {command: ['true']}}]}]}]", "groups[0].tasks[0].health[1]"},
                {"groups: [{name: g, tasks: [{name: t, image: busybox}]}]\nplacement: {spread: node.hostname}", "placement.spread"},
                {"groups: [{name: g, tasks: [{name: t, image: busybox}]}]\nplacement: {constraints: [{attribute: node.labels.disk, operator: in, values: [ssd]}]}", "placement.constraints[0]"},
                {"type: batch\ngroups: [{name: g, tasks: [{name: t, image: busybox}], restart: {policy: always}}]", "groups[0].restart.policy"},
                {"groups: [{name: g, tasks: [{name: t, image: busybox}]}]\nupdate: {healthyDeadline: 1m}", "update.healthyDeadline"},
                {"groups: [{name: g, tasks: [{name: t, image: busybox, volumes: [{volume: v, mountPath: /v}]}]}]\nvolumes: [{name: v, access: multi-host}]", "volumes[0].access"},
        };
        for (String[] c : cases) {
            JobSpec spec = Specs.read("apiVersion: baton/v1\nname: refused\n" + c[0]);
            assertThatThrownBy(() -> SWARM.deploy(spec)).as(c[0])
                    .isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> assertThat(e.unsupported())
                            .anySatisfy(u -> {
                                assertThat(u.path()).startsWith(c[1]);
                                assertThat(u.platform()).isEqualTo("swarm");
                            }))
                    .hasMessageContaining("swarm");
        }
    }

    @Test
    void aVariableTheSpecSetsItselfKeepsTheSpecsValue() throws Exception {
        JsonNode s = render("apiVersion: baton/v1\nname: own\ngroups: [{name: g, tasks: [{name: t, image: busybox, "
                + "env: {PORT_HTTP: '9000'}, ports: [{name: http, port: 8080}]}]}]");

        assertThat(s.path("TaskTemplate").path("ContainerSpec").path("Env").toString()).isEqualTo("[\"PORT_HTTP=9000\"]");
    }

    @Test
    void planRenderAndDeployListTheSameRefusalsAllAtOnce() {
        // structural refusals (a second check, restart always on a batch job, spread over a non-label) and capability
        // refusals (an http check, cron's absence) together
        JobSpec spec = Specs.read("""
                apiVersion: baton/v1
                name: many
                type: batch
                groups:
                  - name: g
                    restart: {policy: always}
                    tasks:
                      - name: t
                        image: busybox
                        ports: [{name: http, port: 80}]
                        health:
                          - exec: {command: ['true']}
                          - http: {port: http}
                placement: {spread: node.hostname}
                """);
        java.util.Set<String> planned = SWARM.plan(spec).unsupported().stream().map(dev.baton.Unsupported::path)
                .collect(java.util.stream.Collectors.toSet());

        assertThat(planned).contains("groups[0].restart.policy", "placement.spread")
                .anySatisfy(p -> assertThat(p).startsWith("groups[0].tasks[0].health[1]"));
        for (Runnable attempt : java.util.List.<Runnable>of(() -> SWARM.render(spec), () -> SWARM.deploy(spec))) {
            assertThatThrownBy(attempt::run).isInstanceOfSatisfying(UnsupportedCapabilityException.class, e ->
                    assertThat(e.unsupported().stream().map(dev.baton.Unsupported::path).collect(java.util.stream.Collectors.toSet()))
                            .isEqualTo(planned));
        }
    }
}
