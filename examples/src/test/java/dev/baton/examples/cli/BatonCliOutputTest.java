package dev.baton.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.baton.Capabilities;
import dev.baton.Orchestrator;
import dev.baton.Orchestrators;
import dev.baton.SecretInfo;
import dev.baton.Selector;
import dev.baton.Target;
import dev.baton.local.SupervisorStatus;
import dev.baton.model.ByteSize;
import dev.baton.model.Cpu;
import dev.baton.plan.Change;
import dev.baton.plan.Plan;
import dev.baton.status.Endpoint;
import dev.baton.status.Host;
import dev.baton.status.JobState;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -o json} and {@code -o yaml} print the Java API's records, which read back into the same records; text tables
 * have no {@code null}; {@code -n} addresses a job in a namespace. Against {@code local://}: the supervisor daemon of a
 * state directory of this class's own, stopped at the end.
 */
class BatonCliOutputTest {
    /** The mapper a Java program reads the output with: configured as the command line's (the README shows it). */
    static final ObjectMapper JSON = Output.configure(JsonMapper.builder()).build();
    static final ObjectMapper YAML = Output.configure(YAMLMapper.builder()).build();
    static final String SPEC = """
            apiVersion: baton/v1
            name: sleeper
            labels: {app: sleeper}
            groups:
              - name: web
                tasks:
                  - name: main
                    command: [sleep, "600"]
                    ports: [{name: http}]
                    resources: {cpu: 100m, memory: 16Mi}
                services: [{name: sleeper, port: http}]
            """;

    @TempDir
    static Path home;
    static Cli cli;
    static Path spec;

    @BeforeAll
    static void deployAJob() throws IOException {
        cli = Cli.withHome(home);
        spec = Files.writeString(home.resolve("sleeper.yaml"), SPEC);
        Cli.Run deploy = cli.run("deploy", spec.toString(), "--target", "local://", "--wait", "--timeout", "60s");
        assertThat(deploy.code()).as(deploy.all()).isZero();
    }

    @AfterAll
    static void stopTheSupervisor() {
        Cli.Run stop = cli.run("supervisor", "stop", "--target", "local://");
        assertThat(stop.code()).as(stop.all()).isZero();
    }

    private static Orchestrator api() {
        return Orchestrators.connect(Target.parse("local://"), BatonCli.config(cli.env(), null));
    }

    private static Cli.Run ok(String... args) {
        Cli.Run r = cli.run(args);
        assertThat(r.code()).as("baton %s: %s", String.join(" ", args), r.all()).isZero();
        return r;
    }

    /** Reads JSON into a type and checks that writing it again gives the same text: nothing lost, nothing added. */
    private static <T> T roundTrip(String json, TypeReference<T> type) throws IOException {
        T value = JSON.readValue(json, type);
        assertThat(Output.json().writeValueAsString(value)).isEqualToIgnoringWhitespace(json);
        return value;
    }

    @Test
    void statusAsJsonIsTheJobStatusOfTheApi() throws IOException {
        Cli.Run r = ok("status", "sleeper", "-o", "json");

        JobStatus status = roundTrip(r.out(), new TypeReference<>() { });
        try (Orchestrator o = api()) {
            assertThat(status).isEqualTo(o.status("sleeper"));
        }
        assertThat(status.jobId()).isEqualTo("sleeper");
        assertThat(status.state()).isEqualTo(JobState.RUNNING);
        assertThat(status.instances()).singleElement().satisfies(i -> assertThat(i.ports()).containsKey("http"));
        assertThat(r.out()).contains("\"jobId\" : \"sleeper\"").contains("\"startedAt\" : \"20")
                .doesNotContain("\"healthy\"").as("only record components, no isHealthy()");
    }

    @Test
    void statusAsYamlReadsBackIntoTheSameRecord() throws IOException {
        JobStatus fromYaml = YAML.readValue(ok("status", "sleeper", "-o", "yaml").out(), JobStatus.class);
        JobStatus fromJson = JSON.readValue(ok("status", "sleeper", "-o", "json").out(), JobStatus.class);

        assertThat(fromYaml).isEqualTo(fromJson);
    }

    @Test
    void listHostsEndpointsAsJsonAreTheApisLists() throws IOException {
        List<JobSummary> jobs = roundTrip(ok("list", "-o", "json").out(), new TypeReference<>() { });
        List<Host> hosts = roundTrip(ok("hosts", "-o", "json").out(), new TypeReference<>() { });
        List<Endpoint> endpoints = roundTrip(ok("endpoints", "sleeper", "-o", "json").out(), new TypeReference<>() { });

        try (Orchestrator o = api()) {
            assertThat(jobs).isEqualTo(o.list(Selector.all()));
            assertThat(endpoints).isEqualTo(o.endpoints("sleeper"));
            assertThat(hosts).extracting(Host::id).isEqualTo(o.hosts().stream().map(Host::id).toList());
        }
        assertThat(jobs).extracting(JobSummary::jobId).containsExactly("sleeper");
        assertThat(hosts).singleElement().satisfies(h -> {
            assertThat(h.cpuCapacity()).isNotNull().isInstanceOf(Cpu.class);
            assertThat(h.memoryAllocated()).isInstanceOf(ByteSize.class);
        });
        assertThat(endpoints).singleElement().satisfies(e -> assertThat(e.service()).isEqualTo("sleeper"));
        assertThat(ok("list", "-o", "json", "--label", "app=other").out().strip()).isEqualTo("[ ]");
    }

    @Test
    void planAsJsonIsThePlanOfTheApi() throws IOException {
        Path changed = Files.writeString(home.resolve("sleeper-changed.yaml"), SPEC.replace("\"600\"", "\"700\""));

        Plan same = roundTrip(ok("plan", spec.toString(), "-o", "json").out(), new TypeReference<>() { });
        Plan update = roundTrip(ok("plan", changed.toString(), "-o", "json").out(), new TypeReference<>() { });

        assertThat(same.isNoOp()).isTrue();
        assertThat(update.changes()).singleElement().satisfies(c -> {
            assertThat(c.action()).isEqualTo(Change.Action.UPDATE);
            assertThat(c.fields()).singleElement().satisfies(f -> {
                assertThat(f.path()).isEqualTo("groups[0].tasks[0].command[1]");
                assertThat(f.before()).isEqualTo("\"600\"");
                assertThat(f.after()).isEqualTo("\"700\"");
            });
        });
        assertThat(ok("plan", changed.toString()).out()).as("the same plan as text")
                .containsPattern("(?m)^~ job sleeper$")
                .containsPattern("(?m)^    groups\\[0\\]\\.tasks\\[0\\]\\.command\\[1\\]: \"600\" (→|->) \"700\"$");
        assertThat(ok("plan", spec.toString()).out()).contains("no changes");
    }

    @Test
    void secretListCapabilitiesAndSupervisorAsJsonAreTheApisRecords() throws IOException {
        ok("secret", "put", "db", "password=s3cret", "user=app");

        List<SecretInfo> secrets = roundTrip(ok("secret", "list", "-o", "json").out(), new TypeReference<>() { });
        List<Capabilities> capabilities = roundTrip(ok("capabilities", "-o", "json").out(), new TypeReference<>() { });
        SupervisorStatus supervisor = roundTrip(ok("supervisor", "status", "-o", "json").out(), new TypeReference<>() { });

        assertThat(secrets).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("db");
            assertThat(s.keys()).containsExactlyInAnyOrder("password", "user");
        });
        assertThat(ok("secret", "list", "-o", "json").out()).doesNotContain("s3cret");
        assertThat(capabilities).isEqualTo(BatonCli.CapabilityMatrix.sorted(Orchestrators.providers()).stream()
                .map(p -> p.capabilities()).toList());
        assertThat(supervisor.running()).isTrue();
        assertThat(supervisor.jobs()).isPositive();
        ok("secret", "delete", "db");
        assertThat(ok("secret", "list").out()).isEqualTo("no secrets\n");
    }

    @Test
    void tablesShowNoNull() {
        for (String[] args : List.of(new String[] {"status", "sleeper"}, new String[] {"list"}, new String[] {"hosts"},
                new String[] {"supervisor", "status"})) {
            assertThat(ok(args).out()).as(String.join(" ", args)).doesNotContain("null");
        }
        Host unknown = new Host("h1", "node-1", null, null, null, Map.of(), null, ByteSize.parse("2Gi"), null, null);
        assertThat(BatonCli.HostsCmd.row(unknown)).containsExactly("h1", "node-1", "-", "UNKNOWN", "ACTIVE", "-", "-/2Gi", "-");
        Host half = new Host("h2", "node-2", "10.0.0.2", null, null, Map.of("zone", "a"), Cpu.parse("2"), null, null, null);
        assertThat(BatonCli.HostsCmd.row(half)[5]).isEqualTo("-/2");
    }

    @Test
    void aNamespaceFromMinusNIsTheNamespaceOfTheJob() throws IOException {
        Path other = Files.writeString(home.resolve("other.yaml"), SPEC.replace("name: sleeper\n", "name: other\n")
                .replace("services: [{name: sleeper, port: http}]", "services: [{name: other, port: http}]"));
        ok("deploy", other.toString(), "-n", "team", "--wait", "--timeout", "60s");
        try {
            JobStatus status = JSON.readValue(ok("status", "other", "-n", "team", "-o", "json").out(), JobStatus.class);
            assertThat(status.namespace()).isEqualTo("team");
            assertThat(ok("status", "team/other").out()).contains("RUNNING");
            assertThat(cli.run("status", "other").code()).as("not in the default namespace").isEqualTo(1);

            List<JobSummary> inTeam = JSON.readValue(ok("list", "-n", "team", "-o", "json").out(), new TypeReference<>() { });
            assertThat(inTeam).extracting(JobSummary::jobId).containsExactly("other");

            Cli.Run clash = cli.run("status", "default/sleeper", "-n", "team");
            assertThat(clash.code()).isEqualTo(1);
            assertThat(clash.err()).contains("not in the namespace team");
        } finally {
            ok("undeploy", "other", "-n", "team");
        }
        assertThat(ok("list", "-n", "team").out()).isEqualTo("no jobs in the namespace team\n");
    }

    @Test
    void anEmptyListSaysSo(@TempDir Path empty) {
        Cli.Run r = Cli.withHome(empty).run("list");

        assertThat(r.code()).as(r.all()).isZero();
        assertThat(r.out()).isEqualTo("no jobs\n");
        assertThat(ok("list", "--label", "app=nothing").out()).isEqualTo("no jobs with the labels app=nothing\n");
    }
}
