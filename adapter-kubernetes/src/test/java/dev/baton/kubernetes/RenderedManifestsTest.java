package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.Specs;
import dev.baton.kubernetes.internal.Translator;
import dev.baton.model.JobSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every field of every rendered object exists in the Kubernetes OpenAPI definitions (release 1.36, from
 * {@code ../shared/upstream/kubernetes/}; skipped when that folder is absent), and required fields are there.
 */
class RenderedManifestsTest {
    static JsonNode definitions;

    @BeforeAll
    static void load() throws IOException {
        Path swagger = dev.baton.testkit.Upstream.dir("kubernetes").map(d -> d.resolve("swagger-v2-release-1.36.json")).orElse(null);
        assumeTrue(swagger != null && Files.exists(swagger), dev.baton.testkit.Upstream.absent("kubernetes"));
        definitions = new ObjectMapper().readTree(swagger.toFile()).get("definitions");
    }

    static final Map<String, String> KINDS = Map.of(
            "Deployment", "io.k8s.api.apps.v1.Deployment", "DaemonSet", "io.k8s.api.apps.v1.DaemonSet",
            "Job", "io.k8s.api.batch.v1.Job", "CronJob", "io.k8s.api.batch.v1.CronJob",
            "Service", "io.k8s.api.core.v1.Service", "PersistentVolumeClaim", "io.k8s.api.core.v1.PersistentVolumeClaim");

    static void check(String path, JsonNode value, JsonNode schema, List<String> problems) {
        if (schema.has("$ref")) {
            schema = definitions.get(schema.get("$ref").asText().substring("#/definitions/".length()));
        }
        if (value.isObject() && schema.has("properties")) {
            for (JsonNode req : schema.path("required")) {
                if (!value.has(req.asText())) {
                    problems.add(path + "." + req.asText() + ": required");
                }
            }
            JsonNode props = schema.get("properties");
            var it = value.fields();
            while (it.hasNext()) {
                var f = it.next();
                if (!props.has(f.getKey())) {
                    problems.add(path + "." + f.getKey() + ": not a field of " + schema.path("description").asText("").split("\\.")[0]);
                } else {
                    check(path + "." + f.getKey(), f.getValue(), props.get(f.getKey()), problems);
                }
            }
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(path + "[" + i + "]", value.get(i), schema.get("items"), problems);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"service", "batch", "cron", "system"})
    void everyRenderedFieldIsInTheOpenApiDefinitions(String type) {
        JobSpec spec = Specs.read("""
                apiVersion: baton/v1
                name: shop
                type: %s
                %s
                labels: {team: shop}
                groups:
                  - name: web
                    %s
                    tasks:
                      - name: server
                        image: nginx:1.27
                        command: [nginx]
                        args: ["-g", "daemon off;"]
                        env: {LOG_LEVEL: info}
                        workingDir: /srv
                        resources: {cpu: 250m, memory: 128Mi}
                        ports: [{name: http, port: 8080}, {name: admin}]
                        health: [{http: {port: http, path: /healthz}, gracePeriod: 15s}]
                        secrets:
                          - {secret: db, key: password, env: DB_PASSWORD}
                          - {secret: tls, key: cert, file: /etc/tls/cert.pem}
                        volumes: [{volume: data, mountPath: /data}]
                      - name: sidecar
                        image: busybox:1
                        health: [{exec: {command: [true]}}]
                    services: [{name: shop, port: http, expose: published, publishedPort: 30080}]
                secrets: [{name: db}, {name: tls}]
                volumes: [{name: data, size: 1Gi, access: multi-host}]
                %s
                placement:
                  constraints:
                    - {attribute: node.labels.zone, operator: "==", value: eu-1a}
                    - {attribute: node.os, operator: in, values: [linux]}
                    - {attribute: node.labels.gpu, operator: not-exists}
                  spread: node.labels.zone
                  distinctHosts: true
                """.formatted(type, type.equals("cron") ? "schedule: \"*/5 * * * *\"\ntimeZone: Europe/Berlin" : "",
                type.equals("system") ? "" : "count: 1",
                type.equals("batch") || type.equals("cron") ? ""
                        : "update: {strategy: rolling, parallelism: 2, minHealthyTime: 10s, healthyDeadline: 5m, onFailure: rollback}"));

        List<ObjectNode> objects = Translator.translate(spec, "default");
        List<String> problems = new ArrayList<>();
        for (ObjectNode o : objects) {
            check(o.path("kind").asText(), o, definitions.get(KINDS.get(o.path("kind").asText())), problems);
        }

        assertThat(objects).extracting(o -> o.path("kind").asText()).contains(Translator.kind(spec.type()), "Service", "PersistentVolumeClaim");
        assertThat(problems).isEmpty();
    }
}
