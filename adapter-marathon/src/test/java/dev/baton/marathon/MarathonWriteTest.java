package dev.baton.marathon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Specs;
import dev.baton.Unsupported;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.JobSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What Baton writes to Marathon and what Marathon ({@link MarathonDouble} with {@link MarathonAppRules}) makes of it: full
 * replacements rather than merges, one health check per task, pod check timings, resident (persistent volume) services,
 * process tasks in a container, and {@code PORT_<NAME>} for port names with a dash.
 */
class MarathonWriteTest extends OnTheDouble {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private static JobSpec spec(String yaml) {
        return Specs.read("apiVersion: baton/v1\n" + yaml);
    }

    private JsonNode get(String path) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://" + marathon.address() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private HttpResponse<String> put(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + marathon.address() + path))
                .PUT(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private List<String> writes() {
        return marathon.requests.stream().filter(e -> !e.getRequest().getMethod().getName().equals("GET"))
                .map(e -> e.getRequest().getMethod().getName() + " " + e.getRequest().getUrl()).toList();
    }

    private void healthy(JobSpec spec) {
        var result = o.deploy(spec).await(Duration.ofSeconds(20));
        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
    }

    private static List<String> paths(UnsupportedCapabilityException e) {
        return e.unsupported().stream().map(Unsupported::path).toList();
    }

    // ---- 1: an update replaces ----

    @Test
    void anUpdateReplacesTheAppSoLeftOutEnvChecksAndContainerAreGone() throws Exception {
        healthy(spec("""
                name: web
                groups:
                  - name: g
                    tasks:
                      - name: t
                        image: nginx:1.27
                        env: {A: "1"}
                        ports: [{name: http}]
                        health: [{http: {port: http, path: /healthz}}]
                """));
        healthy(spec("""
                name: web
                groups:
                  - name: g
                    tasks:
                      - name: t
                        command: [/srv/run]
                        ports: [{name: http}]
                """));

        JsonNode app = get("/v2/apps/web/g").path("app");
        assertThat(app.has("container")).as("the image is gone: %s", app).isFalse();
        assertThat(app.path("env").size()).as("env A is gone: %s", app).isZero();
        assertThat(app.path("healthChecks").size()).as("the check is gone: %s", app).isZero();
        assertThat(app.path("args").toString()).isEqualTo("[\"/srv/run\"]");
        assertThat(writes()).allMatch(w -> w.contains("partialUpdate=false"));
    }

    @Test
    void aPodUpdateReplacesThePodAsMarathonDoes() throws Exception {
        String v1 = """
                name: web
                groups:
                  - name: g
                    tasks:
                      - {name: a, command: [/srv/a], env: {A: "1"}, ports: [{name: http}], health: [{tcp: {port: http}, interval: 2s, timeout: 1s}]}
                      - {name: b, command: [/srv/b]}
                """;
        healthy(spec(v1));
        healthy(spec(v1.replace(", env: {A: \"1\"}", "").replace(", health: [{tcp: {port: http}, interval: 2s, timeout: 1s}]", "")));

        JsonNode a = get("/v2/pods/web/g").path("containers").get(0);
        assertThat(a.has("environment")).as("%s", a).isFalse();
        assertThat(a.has("healthCheck")).as("%s", a).isFalse();
    }

    @Test
    void theDoubleMergesAPartialUpdateAsMarathonDoes() throws Exception {
        assertThat(put("/v2/apps/x/y", "{\"cmd\":\"sleep 1000\",\"env\":{\"A\":\"1\"},\"cpus\":0.5}").statusCode()).isEqualTo(200);
        // partialUpdate defaults to true: cmd, env and cpus stay
        assertThat(put("/v2/apps/x/y?force=true", "{\"instances\":2}").statusCode()).isEqualTo(200);
        JsonNode app = get("/v2/apps/x/y").path("app");
        assertThat(app.path("env").path("A").asText()).isEqualTo("1");
        assertThat(app.path("cpus").asDouble()).isEqualTo(0.5);
        assertThat(app.path("cmd").asText()).isEqualTo("sleep 1000");
        // cmd kept beside new args: Marathon refuses the merged app
        var both = put("/v2/apps/x/y?force=true", "{\"args\":[\"sleep\",\"1\"]}");
        assertThat(both.statusCode()).isEqualTo(422);
        assertThat(both.body()).contains("\"path\":\"/\"").contains("AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.");
        // a replacement
        assertThat(put("/v2/apps/x/y?partialUpdate=false&force=true", "{\"args\":[\"sleep\",\"1\"]}").statusCode()).isEqualTo(200);
        app = get("/v2/apps/x/y").path("app");
        assertThat(app.has("env")).isFalse();
        assertThat(app.has("cmd")).isFalse();
    }

    // ---- 2: one health check per app task ----

    @Test
    void anHttpAndATcpCheckOnAnAppAreRefusedBeforeAnythingIsSent() {
        JobSpec spec = spec("""
                name: web
                groups:
                  - name: g
                    tasks:
                      - name: t
                        command: [/srv/run]
                        ports: [{name: http}, {name: admin}]
                        health: [{http: {port: http, path: /healthz}}, {tcp: {port: admin}}]
                """);
        assertThatThrownBy(() -> o.deploy(spec)).isInstanceOfSatisfying(UnsupportedCapabilityException.class,
                e -> assertThat(paths(e)).containsExactly("groups[0].tasks[0].health[1]"));
        assertThat(o.plan(spec).unsupported()).extracting(Unsupported::path).containsExactly("groups[0].tasks[0].health[1]");
        assertThat(writes()).isEmpty();
    }

    @Test
    void anExecCheckBesideAnHttpCheckIsRefusedNotSilentlyLeftUnrun() {
        JobSpec spec = spec("""
                name: web
                groups:
                  - name: g
                    tasks:
                      - name: t
                        command: [/srv/run]
                        ports: [{name: http}]
                        health: [{http: {port: http, path: /healthz}}, {exec: {command: [test, -f, /tmp/ready]}}]
                """);
        assertThatThrownBy(() -> o.deploy(spec)).isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> {
            assertThat(paths(e)).containsExactly("groups[0].tasks[0].health[1]");
            assertThat(e.getMessage()).contains("one health check");
        });
        assertThat(writes()).isEmpty();
    }

    @Test
    void theDoubleRefusesTwoMesosChecksAndAcceptsACommandBesideOneAsMarathonDoes() throws Exception {
        String two = "{\"cmd\":\"sleep 1000\",\"portDefinitions\":[{\"port\":0},{\"port\":0}],\"healthChecks\":["
                + "{\"protocol\":\"MESOS_HTTP\",\"portIndex\":0},{\"protocol\":\"MESOS_TCP\",\"portIndex\":1}]}";
        var refused = put("/v2/apps/x/y", two);
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(refused.body()).toString()).isEqualTo("{\"message\":\"Object is not valid\",\"details\":["
                + "{\"path\":\"/\",\"errors\":[\"AppDefinition can contain at most one Mesos health check\"]}]}");
        String withCommand = "{\"cmd\":\"sleep 1000\",\"portDefinitions\":[{\"port\":0}],\"healthChecks\":["
                + "{\"protocol\":\"MESOS_HTTP\",\"portIndex\":0},{\"protocol\":\"COMMAND\",\"command\":{\"value\":\"true\"}}]}";
        assertThat(put("/v2/apps/x/z", withCommand).statusCode()).isEqualTo(200);
    }

    // ---- 3: pod check timings ----

    @Test
    void aPodCheckWhoseTimeoutIsNotBelowItsIntervalIsRefusedWithItsPath() {
        String yaml = """
                name: web
                groups:
                  - name: g
                    tasks:
                      - {name: a, command: [/srv/a], ports: [{name: http}], health: [{http: {port: http, path: /}, interval: 1s, timeout: 1s}]}
                      - {name: b, command: [/srv/b]}
                """;
        assertThatThrownBy(() -> o.deploy(spec(yaml))).isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> {
            assertThat(paths(e)).containsExactly("groups[0].tasks[0].health[0].timeout");
            assertThat(e.getMessage()).contains("timeoutSeconds").contains("intervalSeconds");
        });
        assertThat(writes()).isEmpty();
        // a valid timing is sent as given
        healthy(spec(yaml.replace("interval: 1s", "interval: 2s")));
    }

    @Test
    void theDoubleRefusesAPodCheckTimeoutNotBelowItsIntervalAsMarathonDoes() throws Exception {
        var refused = put("/v2/pods/x/y", "{\"id\":\"/x/y\",\"containers\":[{\"name\":\"a\",\"resources\":{\"cpus\":0.1,\"mem\":32},"
                + "\"exec\":{\"command\":{\"shell\":\"sleep 1000\"}},\"healthCheck\":{\"exec\":{\"command\":{\"shell\":\"true\"}},"
                + "\"intervalSeconds\":1,\"timeoutSeconds\":1}}]}");
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(refused.body()).path("details").toString())
                .isEqualTo("[{\"path\":\"/containers(0)/healthCheck/timeoutSeconds\",\"errors\":[\"got 1, expected less than 1\"]}]");
    }

    // ---- 4: resident services ----

    private static final String RESIDENT = """
            name: db
            groups:
              - name: pg
                tasks:
                  - name: postgres
                    image: postgres:17
                    resources: {cpu: 250m, memory: 256Mi}
                    ports: [{name: pg, port: 5432}]
                    volumes: [{volume: data, mountPath: /var/lib/postgresql/data}]
            volumes: [{name: data, size: 1Gi}]
            """;

    /** {@link #RESIDENT} with a second task: a pod. */
    private static final String RESIDENT_POD = RESIDENT.replaceFirst("^name: db", "name: pods").replace("\nvolumes:",
            "\n      - {name: exporter, command: [/bin/exporter], resources: {cpu: 100m, memory: 32Mi}}\nvolumes:");

    @Test
    void aResidentAppOrPodRunsUnderItsTopLevelGroupsRoleNotTheDefault() throws Exception {
        healthy(spec(RESIDENT));
        assertThat(get("/v2/apps/db/pg").path("app").path("role").asText()).isEqualTo("db");

        healthy(spec(RESIDENT_POD));
        assertThat(get("/v2/pods/pods/pg").path("role").asText()).isEqualTo("pods");
    }

    @Test
    void theDoubleRefusesAResidentAppWithTheDefaultRoleAsMarathonDoes() throws Exception {
        String app = "{\"cmd\":\"sleep 1000\",\"container\":{\"type\":\"MESOS\",\"volumes\":[{\"containerPath\":\"data\",\"mode\":\"RW\","
                + "\"persistent\":{\"type\":\"root\",\"size\":10}}]},\"upgradeStrategy\":{\"minimumHealthCapacity\":0,\"maximumOverCapacity\":0}}";
        var refused = put("/v2/apps/db/pg", app);
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(refused.body()).path("details").toString())
                .isEqualTo("[{\"path\":\"/role\",\"errors\":[\"Resident apps cannot have the role *\"]}]");
        assertThat(put("/v2/apps/db/pg", app.replaceFirst("\\{", "{\"role\":\"db\",")).statusCode()).isEqualTo(200);
        // a resource change, then a volume change, as Marathon's deployment plan refuses them
        var cpus = put("/v2/apps/db/pg", app.replaceFirst("\\{", "{\"role\":\"db\",\"cpus\":2,"));
        assertThat(cpus.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(cpus.body()).path("details").toString())
                .isEqualTo("[{\"path\":\"/app(0)/cpus\",\"errors\":[\"" + MarathonAppRules.RESOURCES_CHANGED + "\"]}]");
        var size = put("/v2/apps/db/pg", app.replaceFirst("\\{", "{\"role\":\"db\",").replace("\"size\":10", "\"size\":20"));
        assertThat(JSON.readTree(size.body()).path("details").toString())
                .isEqualTo("[{\"path\":\"/app(0)\",\"errors\":[\"Persistent volumes can not be changed!\"]}]");
        // Marathon reuses the app's service port for a port 0: one dynamic port for another is no change, a second is
        var ports = app.replaceFirst("\\{", "{\"role\":\"db\",");
        assertThat(put("/v2/apps/db/q", ports.replaceFirst("\\{", "{\"portDefinitions\":[{\"port\":0}],")).statusCode()).isEqualTo(200);
        assertThat(put("/v2/apps/db/q?force=true", ports.replaceFirst("\\{", "{\"portDefinitions\":[{\"port\":0,\"name\":\"x\"}],")).statusCode()).isEqualTo(200);
        assertThat(put("/v2/apps/db/q?force=true", ports.replaceFirst("\\{", "{\"portDefinitions\":[{\"port\":0},{\"port\":0}],")).body())
                .contains(MarathonAppRules.HOST_PORTS_CHANGED);
    }

    @Test
    void aResourceChangeOfAResidentAppIsListedByPlanAndRefusedBeforeAnythingIsSent() {
        healthy(spec(RESIDENT));
        JobSpec bigger = spec(RESIDENT.replace("cpu: 250m, memory: 256Mi", "cpu: 500m, memory: 512Mi"));

        var plan = o.plan(bigger);

        assertThat(plan.unsupported()).extracting(Unsupported::path)
                .containsExactly("groups[0].tasks[0].resources.cpu", "groups[0].tasks[0].resources.memory");
        assertThat(plan.unsupported().get(0).reason()).contains("create a new service");
        assertThatThrownBy(() -> o.deploy(bigger)).isInstanceOfSatisfying(UnsupportedCapabilityException.class,
                e -> assertThat(paths(e)).containsExactly("groups[0].tasks[0].resources.cpu", "groups[0].tasks[0].resources.memory"));
        assertThat(writes()).hasSize(1);
    }

    @Test
    void aVolumeAddedToARunningAppOrAPortChangeOfAResidentOneIsRefusedUpFront() {
        String plain = """
                name: db
                groups:
                  - name: pg
                    tasks:
                      - {name: postgres, image: postgres:17, ports: [{name: pg, port: 5432}]}
                """;
        healthy(spec(plain));
        JobSpec withVolume = spec(plain.replace("port: 5432}]}", "port: 5432}], volumes: [{volume: data, mountPath: /d}]}")
                + "volumes: [{name: data, size: 1Gi}]\n");
        assertThatThrownBy(() -> o.deploy(withVolume)).isInstanceOfSatisfying(UnsupportedCapabilityException.class,
                e -> assertThat(paths(e)).containsExactly("volumes[0]"));
        assertThat(o.plan(withVolume).unsupported()).extracting(Unsupported::path).containsExactly("volumes[0]");

        healthy(spec(RESIDENT.replace("name: db", "name: other")));
        // another fixed port, a resized volume; a changed mount path is no change to the persistent volume
        JobSpec changed = spec(RESIDENT.replace("name: db", "name: other").replace("port: 5432", "port: 5433").replace("size: 1Gi", "size: 2Gi")
                .replace("mountPath: /var/lib/postgresql/data", "mountPath: /data"));
        assertThat(o.plan(changed).unsupported()).extracting(Unsupported::path)
                .containsExactly("groups[0].tasks[0].ports", "volumes[0].size");
        assertThat(o.plan(spec(RESIDENT.replace("name: db", "name: other").replace("mountPath: /var/lib/postgresql/data", "mountPath: /data")))
                .unsupported()).isEmpty();
    }

    @Test
    void aResourceChangeOfAResidentPodIsRefusedUpFront() {
        healthy(spec(RESIDENT_POD));
        JobSpec bigger = spec(RESIDENT_POD.replace("cpu: 100m", "cpu: 200m"));
        assertThatThrownBy(() -> o.deploy(bigger)).isInstanceOfSatisfying(UnsupportedCapabilityException.class,
                e -> assertThat(paths(e)).containsExactly("groups[0].tasks[1].resources.cpu"));
        assertThat(writes()).hasSize(1);
    }

    // ---- 5: a process task in a container launches ----

    @Test
    void aProcessTaskWithAVolumeLaunchesInItsContainer() throws Exception {
        JobSpec spec = spec("""
                name: job
                groups:
                  - name: g
                    tasks:
                      - name: t
                        command: [echo, launched, "with $HOME unexpanded"]
                        volumes: [{volume: data, mountPath: /d}]
                volumes: [{name: data, size: 10Mi}]
                """);
        // args beside a container name no executable: the agent's command executor would abort
        assertThat(MarathonAppRules.appArgv(JSON.readTree(o.render(spec).content()))).isNotEmpty();
        healthy(spec);
        JsonNode app = get("/v2/apps/job/g").path("app");
        assertThat(app.path("container").path("type").asText()).isEqualTo("MESOS");

        var ran = MarathonAppRules.run(MarathonAppRules.appArgv(app), MarathonAppRules.appEnv(app, List.of()));

        assertThat(ran.exit()).isZero();
        assertThat(ran.output()).isEqualTo("launched with $HOME unexpanded\n");
    }

    // ---- 6: PORT_<NAME> as the spec says, in apps and pods ----

    @Test
    void aPortNameWithADashIsPortNameWithAnUnderscoreInAppsAndPodsAlike() throws Exception {
        String yaml = """
                name: %s
                groups:
                  - name: g
                    tasks:
                      - name: server
                        command: [sh, -c, 'echo "$PORT_HTTP $PORT_ADMIN_HTTP"']
                        ports: [{name: http}, {name: admin-http}]
                %s
                """;
        healthy(spec(yaml.formatted("app", "")));
        healthy(spec(yaml.formatted("pod", "      - {name: sidecar, command: [/bin/sidecar]}")));

        JsonNode app = get("/v2/apps/app/g?embed=apps.tasks").path("app");
        List<Integer> appPorts = new ArrayList<>();
        app.path("tasks").get(0).path("ports").forEach(p -> appPorts.add(p.asInt()));
        var fromApp = MarathonAppRules.run(MarathonAppRules.appArgv(app), MarathonAppRules.appEnv(app, appPorts));

        JsonNode status = get("/v2/pods/pod/g::status");
        List<Integer> podPorts = new ArrayList<>();
        status.path("instances").get(0).path("containers").forEach(c -> c.path("endpoints").forEach(e -> podPorts.add(e.path("allocatedHostPort").asInt())));
        JsonNode pod = status.path("spec");
        var fromPod = MarathonAppRules.run(MarathonAppRules.podArgv(pod, "server"), MarathonAppRules.podEnv(pod, "server", podPorts));

        assertThat(fromApp.output()).isEqualTo(appPorts.get(0) + " " + appPorts.get(1) + "\n");
        assertThat(fromPod.output()).isEqualTo(podPorts.get(0) + " " + podPorts.get(1) + "\n");
    }
}
