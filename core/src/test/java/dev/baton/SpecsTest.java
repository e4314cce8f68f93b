package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.model.ByteSize;
import dev.baton.model.CheckTiming;
import dev.baton.model.Constraint;
import dev.baton.model.Cpu;
import dev.baton.model.Exposure;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.model.Operator;
import dev.baton.model.PlacementPolicy;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.SecretMount;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.UpdateStrategy;
import dev.baton.model.VolumeAccess;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import dev.baton.spi.SecretRules;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecsTest {

    static String resource(String name) {
        try (InputStream in = SpecsTest.class.getResourceAsStream("/specs/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static JobSpec full() {
        return Specs.read(resource("full.yaml"));
    }

    private static List<String> violations(String yaml) {
        try {
            Specs.read(yaml);
        } catch (InvalidSpecException e) {
            return e.violations().stream().map(Violation::toString).toList();
        }
        throw new AssertionError("expected the spec to be refused:\n" + yaml);
    }

    private static final String MINIMAL = """
            apiVersion: baton/v1
            name: app
            groups:
              - name: web
                tasks:
                  - name: server
                    command: [sleep, "100"]
            """;

    @Test
    void readsEveryFieldOfTheSpecExample() {
        JobSpec s = full();

        assertThat(s.name()).isEqualTo("shop-web");
        assertThat(s.namespace()).isEqualTo("default");
        assertThat(s.type()).isEqualTo(JobType.SERVICE);
        assertThat(s.labels()).containsExactly(Map.entry("team", "shop"));
        GroupSpec g = s.groups().get(0);
        assertThat(g.name()).isEqualTo("web");
        assertThat(g.count()).isEqualTo(3);
        TaskSpec t = g.tasks().get(0);
        assertThat(t.image()).isEqualTo("nginx:1.27");
        assertThat(t.command()).containsExactly("nginx");
        assertThat(t.args()).containsExactly("-g", "daemon off;");
        assertThat(t.env()).containsExactly(Map.entry("LOG_LEVEL", "info"));
        assertThat(t.workingDir()).isEqualTo("/srv");
        assertThat(t.resources().cpu()).isEqualTo(Cpu.ofMillicores(250));
        assertThat(t.resources().memory()).isEqualTo(ByteSize.ofMebibytes(128));
        assertThat(t.ports()).containsExactly(PortSpec.of("http", 8080));
        assertThat(t.health()).containsExactly(
                new HealthCheck.Http("http", "/healthz", new CheckTiming(Duration.ofSeconds(10), Duration.ofSeconds(2), 3, Duration.ofSeconds(15))),
                new HealthCheck.Tcp("http", CheckTiming.DEFAULT),
                new HealthCheck.Exec(List.of("cat", "/srv/ready"), CheckTiming.DEFAULT));
        assertThat(t.secrets()).containsExactly(SecretMount.env("db", "password", "DB_PASSWORD"),
                SecretMount.file("tls", "cert", "/etc/tls/cert.pem"));
        assertThat(t.volumes()).containsExactly(new VolumeMount("data", "/var/lib/data", false));
        assertThat(g.services()).containsExactly(new ServiceSpec("shop-web", "http", Exposure.PUBLISHED, 30080));
        assertThat(g.restart()).isEqualTo(new RestartPolicy(RestartMode.ON_FAILURE, 3, Duration.ofSeconds(5)));
        assertThat(s.secrets()).extracting(r -> r.name()).containsExactly("db", "tls");
        assertThat(s.volumes()).containsExactly(new VolumeSpec("data", ByteSize.parse("1Gi"), VolumeAccess.SINGLE_HOST));
        assertThat(s.update()).isEqualTo(new UpdatePolicy(UpdateStrategy.ROLLING, 1, Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofMinutes(5), OnFailure.ROLLBACK, 0));
        assertThat(s.placement()).isEqualTo(new PlacementPolicy(List.of(
                Constraint.equal("node.labels.zone", "eu-1a"),
                Constraint.notEqual("node.os", "windows"),
                Constraint.in("node.labels.disk", "ssd", "nvme"),
                Constraint.exists("node.labels.gpu")), "node.labels.zone", false));
        assertThat(s.extensions().patches()).containsOnlyKeys("kubernetes", "nomad", "marathon", "swarm");
    }

    @Test
    void writingAndReadingBackGivesAnEqualSpec() {
        for (String file : List.of("full.yaml", "cron.yaml")) {
            JobSpec spec = Specs.read(resource(file));

            assertThat(Specs.read(Specs.toYaml(spec))).as(file + " via YAML").isEqualTo(spec);
            assertThat(Specs.read(Specs.toJson(spec))).as(file + " via JSON").isEqualTo(spec);
        }
    }

    @Test
    void theBuilderBuildsTheSameModelAsTheReader() {
        JobSpec built = JobSpec.builder("nightly-report").type(JobType.CRON).schedule("*/15 * * * *").timeZone("Europe/Berlin")
                .group(GroupSpec.builder("report").task(TaskSpec.builder("run").command("sh", "-c", "echo report").build()).build())
                .extension("kubernetes", Map.of("spec", Map.of("concurrencyPolicy", "Forbid")))
                .build();

        assertThat(Specs.read(resource("cron.yaml"))).isEqualTo(built);
        assertThat(Specs.validate(built)).isSameAs(built);
    }

    @Test
    void readsJsonDocuments() {
        JobSpec spec = Specs.read("""
                {"apiVersion": "baton/v1", "name": "app", "groups": [{"name": "web", "tasks": [{"name": "t", "command": ["true"]}]}]}
                """);

        assertThat(spec.groups().get(0).tasks().get(0).command()).containsExactly("true");
    }

    @Test
    void aMemoryThatIsNotASizeIsReportedWithItsPath() {
        assertThat(violations("""
                apiVersion: baton/v1
                name: app
                groups:
                  - name: web
                    tasks:
                      - name: a
                        command: [x]
                      - name: b
                        command: [x]
                        resources: {memory: 12Q, cpu: lots}
                """)).containsExactly(
                "groups[0].tasks[1].resources.cpu: \"lots\" is not a CPU amount (use cores such as \"0.5\" or millicores such as \"250m\")",
                "groups[0].tasks[1].resources.memory: \"12Q\" is not a size (use a number with Ki, Mi, Gi, K, M or G)");
    }

    @Test
    void unknownKeysAreRefusedWithASuggestion() {
        assertThat(violations(MINIMAL.replace("command: [sleep, \"100\"]", "command: [sleep]\n        imag: nginx")
                + "lables: {a: b}\n")).containsExactly(
                "lables: unknown field (did you mean \"labels\"?)",
                "groups[0].tasks[0].imag: unknown field (did you mean \"image\"?)");
    }

    @Test
    void wrongTypesAreRefused() {
        assertThat(violations("""
                apiVersion: baton/v1
                name: app
                labels: [a, b]
                groups:
                  - name: web
                    count: three
                    tasks:
                      - name: server
                        command: sleep
                        env: {A: [1]}
                """)).containsExactly(
                "labels: expected a map, got a list",
                "groups[0].count: expected an integer, got \"three\"",
                "groups[0].tasks[0].command: expected a list, got \"sleep\"",
                "groups[0].tasks[0].env.A: expected a string, got a list",
                "groups[0].tasks[0].command: is required for a process task (a task without an image)");
    }

    @Test
    void duplicateNamesAreRefused() {
        assertThat(violations("""
                apiVersion: baton/v1
                name: app
                groups:
                  - name: web
                    tasks:
                      - {name: a, command: [x], ports: [{name: http}]}
                      - {name: a, command: [x], ports: [{name: http}]}
                    services: [{name: svc, port: http}]
                  - name: web
                    tasks: [{name: a, command: [x], ports: [{name: p}]}]
                    services: [{name: svc, port: p}]
                secrets: [{name: s}, {name: s}]
                volumes: [{name: v}, {name: v}]
                """)).containsExactly(
                "secrets[1].name: duplicate secret \"s\"",
                "volumes[1].name: duplicate volume \"v\"",
                "groups[0].tasks[1].name: duplicate task \"a\" in group web",
                "groups[0].tasks[1].ports[0].name: duplicate port \"http\" in group web",
                "groups[1].name: duplicate group \"web\"",
                "groups[1].services[0].name: duplicate service \"svc\" in the job");
    }

    @Test
    void danglingReferencesAreRefused() {
        assertThat(violations("""
                apiVersion: baton/v1
                name: app
                groups:
                  - name: web
                    tasks:
                      - name: server
                        command: [x]
                        ports: [{name: http}]
                        health: [{tcp: {port: admin}}]
                        secrets: [{secret: db, key: password, env: DB_PASSWORD}]
                        volumes: [{volume: data, mountPath: /data}]
                    services: [{name: web, port: admin}]
                """)).containsExactly(
                "groups[0].tasks[0].health[0].tcp.port: \"admin\" names no port of task server",
                "groups[0].tasks[0].secrets[0].secret: \"db\" is not declared under secrets",
                "groups[0].tasks[0].volumes[0].volume: \"data\" is not declared under volumes",
                "groups[0].services[0].port: \"admin\" names no port of a task in group web");
    }

    @Test
    void valuesOutOfRangeAreRefused() {
        assertThat(violations("""
                apiVersion: baton/v1
                name: app
                groups:
                  - name: web
                    count: -1
                    tasks:
                      - name: server
                        command: [x]
                        ports: [{name: http, port: 70000}]
                        health: [{http: {port: http}, retries: 0, interval: 0s}]
                update: {parallelism: 0, minHealthyTime: 1m, healthyDeadline: 30s}
                """)).containsExactly(
                "groups[0].count: -1 is out of range 0..100000",
                "groups[0].tasks[0].ports[0].port: 70000 is out of range 1..65535",
                "groups[0].tasks[0].health[0].retries: 0 is out of range 1..1000",
                "update.parallelism: 0 is out of range 1..10000",
                "groups[0].tasks[0].health[0].interval: must be greater than 0",
                "update.healthyDeadline: must be longer than minHealthyTime");
    }

    @Test
    void namesThatBreakTheRulesAreRefused() {
        assertThat(violations(MINIMAL.replace("name: app", "name: Shop_Web").replace("name: web", "name: -web")))
                .containsExactly(
                        "name: \"Shop_Web\" is not a valid job name: 1-63 characters of a-z, 0-9 and -, starting with a letter and ending with a letter or digit",
                        "groups[0].name: \"-web\" is not a valid group name: 1-63 characters of a-z, 0-9 and -, starting with a letter and ending with a letter or digit");
        assertThat(violations(MINIMAL.replace("name: app", "name: " + "a".repeat(64)))).hasSize(1);
    }

    @Test
    void countIsRefusedOnASystemJob() {
        assertThat(violations(MINIMAL.replace("name: app", "name: app\ntype: system").replace("- name: web", "- name: web\n    count: 2")))
                .containsExactly("groups[0].count: is not allowed on a system job (it runs one instance per eligible host)");
    }

    @Test
    void cronFieldsAreChecked() {
        assertThat(violations(MINIMAL.replace("name: app", "name: app\ntype: cron\nschedule: \"61 * * * *\"\ntimeZone: Mars/Olympus")))
                .containsExactly("schedule: cron minute 61 is outside 0-59",
                        "timeZone: \"Mars/Olympus\" is not a time zone (use an IANA name such as Europe/Berlin or UTC)");
        assertThat(violations(MINIMAL.replace("name: app", "name: app\nschedule: \"* * * * *\"")))
                .containsExactly("schedule: is only allowed on cron jobs (type is service)");
        assertThat(violations(MINIMAL.replace("name: app", "name: app\ntype: cron")))
                .containsExactly("schedule: is required for a cron job");
        assertThat(violations(MINIMAL.replace("name: app", "name: app\ntype: batch") + "update: {parallelism: 2}\n"))
                .containsExactly("update: is only allowed on service and system jobs (type is batch; a run-to-completion job is replaced, not updated)");
    }

    @Test
    void constraintsNeedTheRightOperands() {
        assertThat(violations(MINIMAL + """
                placement:
                  constraints:
                    - {attribute: node.zone, operator: "==", value: a}
                    - {attribute: node.os, operator: in, value: linux}
                    - {attribute: node.labels.gpu, operator: exists, value: "yes"}
                    - {attribute: node.os, operator: "~="}
                """)).containsExactly(
                "placement.constraints[3].operator: \"~=\" is not one of == | != | in | not-in | exists | not-exists",
                "placement.constraints[0].attribute: \"node.zone\" is not a host attribute (use node.hostname, node.os, node.arch or node.labels.<key>)",
                "placement.constraints[1].values: needs at least one value with operator in",
                "placement.constraints[1].value: is not allowed with operator in (use values)",
                "placement.constraints[2]: operator exists takes no value");
    }

    @Test
    void aHealthCheckNeedsExactlyOneKind() {
        assertThat(violations(MINIMAL.replace("command: [sleep, \"100\"]",
                "command: [x]\n        ports: [{name: p}]\n        health: [{interval: 5s}, {tcp: {port: p}, exec: {command: [x]}}]")))
                .containsExactly("groups[0].tasks[0].health[0]: needs one of http, tcp or exec",
                        "groups[0].tasks[0].health[1]: has tcp and exec; exactly one of http, tcp or exec is allowed");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        InvalidSpecException e = (InvalidSpecException) catchThrowable("""
                apiVersion: baton/v2
                name: Bad
                groups:
                  - name: web
                    count: x
                    tasks: [{name: t}]
                extensions: {kubernets: {}}
                """);

        assertThat(e.violations()).extracting(Violation::path).containsExactly(
                "apiVersion", "groups[0].count", "extensions.kubernets", "name", "groups[0].tasks[0].command");
        assertThat(e.violations()).filteredOn(v -> v.path().equals("extensions.kubernets")).hasSize(1);
        assertThat(e.getMessage()).startsWith("invalid spec, 5 problems:");
    }

    private static Throwable catchThrowable(String yaml) {
        try {
            Specs.read(yaml);
            throw new AssertionError("expected a failure");
        } catch (InvalidSpecException e) {
            return e;
        }
    }

    @Test
    void malformedYamlSaysWhere() {
        assertThat(violations("apiVersion: baton/v1\nname: [unclosed\n")).singleElement().asString()
                .isEqualTo("malformed YAML at line 3, column 1: while parsing a flow sequence: expected ',' or ']', but got <stream end>");
    }

    @Test
    void duplicateKeysAreRefused() {
        assertThat(violations(MINIMAL + "name: other\n")).singleElement().asString()
                .startsWith("malformed YAML at line 8, column 1: duplicate key name");
        assertThat(violations("{\"apiVersion\": \"baton/v1\", \"name\": \"a\", \"name\": \"b\"}")).singleElement().asString()
                .startsWith("malformed JSON").contains("duplicate key 'name'");
    }

    @Test
    void aYamlAliasBombIsRefused() {
        StringBuilder bomb = new StringBuilder("apiVersion: baton/v1\nname: app\nlol0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 10; i++) {
            bomb.append("lol").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 10; j++) {
                bomb.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            bomb.append("]\n");
        }

        assertThat(violations(bomb.toString())).singleElement().asString()
                .contains("too many aliases (more than 20); alias expansion is limited to refuse alias bombs");
    }

    @Test
    void aDocumentOverOneMebibyteIsRefusedBeforeParsing() {
        String big = MINIMAL + "labels:\n" + "  k: " + "v".repeat(1024 * 1024) + "\n";

        assertThat(violations(big)).singleElement().asString()
                .matches("the document is \\d+ bytes; the limit is 1048576 bytes \\(1 MiB\\)");
        assertThatThrownBy(() -> Specs.read(new java.io.ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("larger than the limit");
    }

    @Test
    void deepNestingIsRefused() {
        String deep = MINIMAL + "extensions:\n  kubernetes: " + "[".repeat(200) + "]".repeat(200) + "\n";

        assertThat(violations(deep)).singleElement().asString().contains("nested deeper than 64 levels");
    }

    @Test
    void emptyAndNonObjectDocumentsAreRefused() {
        assertThat(violations("   \n")).containsExactly("the document is empty");
        assertThat(violations("- a\n- b\n")).containsExactly("expected an object, got a list");
    }

    @Test
    void validateChecksAModelBuiltInCode() {
        JobSpec spec = JobSpec.builder("app").group(GroupSpec.builder("web").task(TaskSpec.builder("t").build()).build()).build();

        assertThatThrownBy(() -> Specs.validate(spec)).isInstanceOfSatisfying(InvalidSpecException.class, e ->
                assertThat(e.violations()).containsExactly(new Violation("groups[0].tasks[0].command",
                        "is required for a process task (a task without an image)")));
    }

    @Test
    void diffListsTheFieldsThatDiffer() {
        JobSpec a = full();
        JobSpec b = a.withCount("web", 5);

        assertThat(Specs.diff(a, b)).extracting(Object::toString).containsExactly("groups[0].count: 3 -> 5");
        assertThat(Specs.diff(a, a)).isEmpty();
    }

    @Test
    void anchorsAndAliasesAreResolvedNotTurnedIntoNames() {
        JobSpec spec = Specs.read("""
                apiVersion: baton/v1
                name: app
                groups:
                  - name: a
                    tasks: [{name: t, command: [x], env: &common {MODE: on, LEVEL: "yes"}}]
                  - name: b
                    tasks: [{name: t, command: [x], env: *common}]
                """);

        assertThat(spec.groups().get(1).tasks().get(0).env()).containsExactly(Map.entry("MODE", "on"), Map.entry("LEVEL", "yes"));
    }

    private static final String KEY_RULE = " is not a valid secret key: 1-253 characters of a-z, A-Z, 0-9, -, _ and ., and not . or ..";
    private static final String CLIMBS = " has a .. segment; a path must not lead out of the directory it names";

    @Test
    void pathsAndSecretKeysThatLeaveTheirDirectoryOrHideCharactersAreRefused() {
        assertThat(violations("""
                apiVersion: baton/v1
                name: app
                groups:
                  - name: web
                    tasks:
                      - name: server
                        command: [x]
                        workingDir: /srv/../../etc
                        secrets:
                          - {secret: tls, key: cert, file: /etc/tls/cert.pem}
                          - {secret: tls, key: cert, file: /../../../../tmp/x}
                          - {secret: tls, key: ../../supervisor.json, file: /etc/tls/a}
                          - {secret: tls, key: "..", file: /etc/tls/b}
                          - {secret: tls, key: ".", file: /etc/tls/c}
                          - {secret: tls, key: cert, file: "/etc/tls/\\u202Emep.crt"}
                          - {secret: tls, key: cert, file: "/etc/tls/\\0x"}
                          - {secret: tls, key: cert, file: /a/..}
                          - {secret: tls, key: cert, file: /a/../b}
                        volumes:
                          - {volume: data, mountPath: /../../../../tmp/victim}
                          - {volume: data, mountPath: "/data\\n"}
                secrets: [{name: tls}]
                volumes: [{name: data}]
                """)).containsExactly(
                "groups[0].tasks[0].workingDir: \"/srv/../../etc\"" + CLIMBS,
                "groups[0].tasks[0].secrets[1].file: \"/../../../../tmp/x\"" + CLIMBS,
                "groups[0].tasks[0].secrets[2].key: \"../../supervisor.json\"" + KEY_RULE,
                "groups[0].tasks[0].secrets[3].key: \"..\"" + KEY_RULE,
                "groups[0].tasks[0].secrets[4].key: \".\"" + KEY_RULE,
                "groups[0].tasks[0].secrets[5].file: \"/etc/tls/\\u202emep.crt\" contains the format character U+202E;"
                        + " a path must not contain control or format characters",
                "groups[0].tasks[0].secrets[6].file: \"/etc/tls/\\u0000x\" contains the control character U+0000;"
                        + " a path must not contain control or format characters",
                "groups[0].tasks[0].secrets[7].file: \"/a/..\"" + CLIMBS,
                "groups[0].tasks[0].secrets[8].file: \"/a/../b\"" + CLIMBS,
                "groups[0].tasks[0].volumes[0].mountPath: \"/../../../../tmp/victim\"" + CLIMBS,
                "groups[0].tasks[0].volumes[1].mountPath: \"/data\\n\" contains the control character U+000A;"
                        + " a path must not contain control or format characters");
    }

    @Test
    void aPathOrKeyIsRefusedWhenBuiltInCodeToo() {
        JobSpec spec = JobSpec.builder("app").secret("tls").group(GroupSpec.builder("web").task(TaskSpec.builder("t").command("x")
                .workingDir("/srv/\u2066x")
                .secret(SecretMount.file("tls", "a".repeat(254), "/etc/tls/a"))
                .secret(SecretMount.file("tls", "cert", "/" + "a/".repeat(200) + ".."))
                .build()).build()).build();

        assertThatThrownBy(() -> Specs.validate(spec)).isInstanceOfSatisfying(InvalidSpecException.class, e -> {
            assertThat(e.violations()).extracting(Violation::path).containsExactly(
                    "groups[0].tasks[0].workingDir", "groups[0].tasks[0].secrets[0].key", "groups[0].tasks[0].secrets[1].file");
            assertThat(e.violations().get(0).message()).startsWith("\"/srv/\\u2066x\" contains the format character U+2066");
            // long values are cut: 80 characters of the value, then how long it was
            assertThat(e.violations().get(1).message()).isEqualTo("\"" + "a".repeat(80) + "\"… (254 characters)" + KEY_RULE);
            assertThat(e.violations().get(2).message()).isEqualTo("\"/" + "a/".repeat(39) + "a\"… (403 characters)" + CLIMBS);
        });
    }

    @Test
    void ordinaryPathsAndKeysPass() {
        JobSpec spec = Specs.read("""
                apiVersion: baton/v1
                name: app
                groups:
                  - name: web
                    tasks:
                      - name: server
                        command: [x]
                        workingDir: /srv/..data
                        secrets:
                          - {secret: tls, key: tls.crt, file: /etc/tls/cert.pem}
                          - {secret: tls, key: ..data, file: /srv/..data/key.pem}
                          - {secret: tls, key: _Key-1.v2, file: /etc/tls/.../x..}
                        volumes: [{volume: data, mountPath: /var/lib/data./.x}]
                secrets: [{name: tls}]
                volumes: [{name: data}]
                """);

        TaskSpec t = spec.groups().get(0).tasks().get(0);
        assertThat(t.workingDir()).isEqualTo("/srv/..data");
        assertThat(t.secrets()).extracting(SecretMount::key).containsExactly("tls.crt", "..data", "_Key-1.v2");
        assertThat(t.secrets()).extracting(SecretMount::file).containsExactly("/etc/tls/cert.pem", "/srv/..data/key.pem", "/etc/tls/.../x..");
        assertThat(t.volumes().get(0).mountPath()).isEqualTo("/var/lib/data./.x");
        assertThat(SecretRules.keyProblem("k".repeat(253))).isEmpty();
    }

    @Test
    void secretRulesNameEveryBadNameAndKeyOfAPut() {
        assertThatThrownBy(() -> SecretRules.check("../x", SecretData.of(Map.of("ok.key", "v", "../../supervisor.json", "v", "..", "v"))))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> {
                    assertThat(e.violations()).extracting(Violation::path).containsExactly("name", "keys", "keys");
                    assertThat(e.violations().get(0).message()).startsWith("\"../x\" is not a valid secret name");
                    assertThat(e.violations()).extracting(Violation::message)
                            .contains("\"../../supervisor.json\"" + KEY_RULE, "\"..\"" + KEY_RULE);
                    assertThat(e.getMessage()).doesNotContain("\"v\"");
                });
        assertThatThrownBy(() -> SecretRules.checkName("db\u202e")).isInstanceOfSatisfying(InvalidSpecException.class, e ->
                assertThat(e.violations()).containsExactly(new Violation("name", "\"db\\u202e\" is not a valid secret name: 1-63 characters"
                        + " of a-z, 0-9 and -, starting with a letter and ending with a letter or digit")));
        SecretRules.check("db", SecretData.of(Map.of("password", "v", "tls.crt", "v")));
        SecretRules.checkName("db");
    }
}
