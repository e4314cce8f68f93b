package dev.baton.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README quick start as written, from the repository root: the built {@code baton.jar} deploys
 * {@code examples/specs/hello.yaml} on the local adapter and waits; both instances answer over HTTP; scale, logs
 * and undeploy work; no process is left behind.
 */
class QuickStartIT {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    @TempDir
    static Path home;

    record Result(int code, String out) {
    }

    static Result baton(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-jar", "examples/target/baton.jar"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().put("BATON_HOME", home.toString());
        pb.environment().remove("BATON_TARGET");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    @AfterAll
    static void stopTheSupervisor() throws Exception {
        Path info = home.resolve("local/supervisor.json");
        if (Files.exists(info)) {
            String json = Files.readString(info);
            long pid = Long.parseLong(json.replaceAll("(?s).*\"pid\"\\s*:\\s*(\\d+).*", "$1"));
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
        }
    }

    @Test
    void theQuickStartWorksAsWritten() throws Exception {
        Result deploy = baton("deploy", "examples/specs/hello.yaml", "--wait");
        assertThat(deploy.code()).as(deploy.out()).isZero();
        assertThat(deploy.out()).contains("web 2/2 healthy").contains("hello: healthy");

        Result endpoints = baton("endpoints", "hello");
        List<String> urls = endpoints.out().lines().filter(l -> l.startsWith("http://")).toList();
        assertThat(urls).hasSize(2);
        HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
        List<String> answers = new ArrayList<>();
        for (String url : urls) {
            answers.add(http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
        }
        assertThat(answers).anyMatch(a -> a.startsWith("hello from hello-web-0"))
                .anyMatch(a -> a.startsWith("hello from hello-web-1"));

        Result scale = baton("scale", "hello", "web", "3", "--wait");
        assertThat(scale.code()).as(scale.out()).isZero();
        assertThat(baton("status", "hello").out()).contains("web: 3/3 healthy");
        assertThat(baton("logs", "hello").out()).contains("[hello-web-2.server] hello server listening");

        Result undeploy = baton("undeploy", "hello");
        assertThat(undeploy.code()).isZero();
        Result gone = baton("status", "hello");
        assertThat(gone.code()).isEqualTo(1);
        assertThat(gone.out()).contains("job default/hello not found on local");

        Result running = baton("supervisor", "status");
        assertThat(running.code()).as(running.out()).isZero();
        assertThat(running.out()).contains(": running, pid ").contains("jobs: 0, instances running: 0");
        Result stop = baton("supervisor", "stop");
        assertThat(stop.code()).as(stop.out()).isZero();
        assertThat(baton("supervisor", "status").out()).contains(": not running");
        assertThat(baton("list").code()).isZero();
        assertThat(home.resolve("local/supervisor.json")).as("a read-only command starts no supervisor").doesNotExist();
    }

    @Test
    void aServiceThatExitsAtOnceFailsDeployWait() throws Exception {
        Path spec = Files.writeString(home.resolve("crash.yaml"), """
                apiVersion: baton/v1
                name: crash
                groups:
                  - name: web
                    restart: {policy: on-failure, attempts: 1, delay: 100ms}
                    tasks:
                      - name: server
                        command: [sh, -c, "echo starting; exit 1"]
                """);

        Result deploy = baton("deploy", spec.toString(), "--wait");

        assertThat(deploy.code()).as(deploy.out()).isEqualTo(1);
        assertThat(deploy.out()).contains("crash: failed").contains("no restart left").doesNotContain("healthy (");
        Result status = baton("status", "crash");
        assertThat(status.out()).contains("FAILED");
        assertThat(baton("undeploy", "crash").code()).isZero();
    }
}
