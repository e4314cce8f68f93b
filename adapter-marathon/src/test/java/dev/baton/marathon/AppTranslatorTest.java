package dev.baton.marathon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Specs;
import dev.baton.marathon.internal.AppTranslator;
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
 * The translation of a spec into Marathon's app and pod definitions, checked on what it renders and on what the
 * double received. Issue 18, item 3: {@code PORT_<NAME>} of every port of the group in every task's environment where
 * its number is known (a fixed port); a dynamic port's number is Marathon's to give.
 */
class AppTranslatorTest extends OnTheDouble {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * An app with a fixed and a dynamic port, and a pod of three tasks: a process task with a fixed and a dynamic port, a
     * container task that sets one of the variables itself, and a process task with no port that prints two of the
     * group's.
     */
    private static final JobSpec SPEC = Specs.read("""
            apiVersion: baton/v1
            name: shop
            groups:
              - name: api
                tasks:
                  - name: server
                    command: [/srv/api]
                    ports: [{name: http, port: 8080}, {name: metrics}]
              - name: pod
                tasks:
                  - name: a
                    command: [/srv/a]
                    ports: [{name: admin-http, port: 9090}, {name: stats}]
                  - name: b
                    image: busybox:1.36
                    args: [sleep, "1000"]
                    env: {PORT_ADMIN_HTTP: "7000"}
                  - name: c
                    command: [sh, -c, 'echo "$PORT_ADMIN_HTTP $PORT_STATS"']
            """);

    private static JsonNode container(JsonNode pod, String name) {
        for (JsonNode c : pod.path("containers")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no container " + name + " in " + pod);
    }

    private static void assertPortVariables(JsonNode app, JsonNode pod) {
        // the app: its fixed port; its dynamic one is Marathon's PORT1 and PORT_METRICS
        assertThat(app.path("env").path("PORT_HTTP").asText()).isEqualTo("8080");
        assertThat(app.path("env").has("PORT_METRICS")).isFalse();
        // every container of the pod: the group's fixed port, whichever task has it, unless the task sets it itself
        assertThat(container(pod, "a").path("environment").path("PORT_ADMIN_HTTP").asText()).isEqualTo("9090");
        assertThat(container(pod, "c").path("environment").path("PORT_ADMIN_HTTP").asText()).isEqualTo("9090");
        assertThat(container(pod, "b").path("environment").path("PORT_ADMIN_HTTP").asText()).as("the spec's own value").isEqualTo("7000");
        // a process task exports every dynamic port of the group from Marathon's EP_HOST_<NAME>, its own or not
        assertThat(container(pod, "c").path("exec").path("command").path("shell").asText()).startsWith("export PORT_STATS=\"$EP_HOST_STATS\"; exec ");
    }

    @Test
    void everyTaskOfAGroupHasPortNameOfEachFixedPortOfTheGroupInItsEnvironment() throws Exception {
        List<com.fasterxml.jackson.databind.node.ObjectNode> rendered = AppTranslator.apps(SPEC, null);
        assertPortVariables(rendered.get(0), rendered.get(1));

        var result = o.deploy(SPEC).await(Duration.ofSeconds(20));
        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);

        // what Marathon received
        List<JsonNode> sent = marathon.appsSent();
        assertThat(sent).hasSize(2);
        JsonNode app = sent.stream().filter(d -> d.path("id").asText().equals("/shop/api")).findFirst().orElseThrow();
        JsonNode pod = sent.stream().filter(d -> d.path("id").asText().equals("/shop/pod")).findFirst().orElseThrow();
        assertPortVariables(app, pod);

        // task c, run as an agent runs it with Marathon's environment (TaskGroupBuilder.endpointEnvVars) and the ports the
        // double allocated: task a's fixed port and its dynamic one
        JsonNode status = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + marathon.address()
                + "/v2/pods/shop/pod::status")).build(), HttpResponse.BodyHandlers.ofString()).body());
        List<Integer> ports = new ArrayList<>();
        status.path("instances").get(0).path("containers").forEach(c -> c.path("endpoints").forEach(e -> ports.add(e.path("allocatedHostPort").asInt())));
        JsonNode def = status.path("spec");
        var ran = MarathonAppRules.run(MarathonAppRules.podArgv(def, "c"), MarathonAppRules.podEnv(def, "c", ports));
        assertThat(ports).hasSize(2).first().isEqualTo(9090);
        assertThat(ran.output()).isEqualTo("9090 " + ports.get(1) + "\n");
    }
}
