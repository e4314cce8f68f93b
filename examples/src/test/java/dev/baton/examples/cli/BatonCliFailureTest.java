package dev.baton.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed {@code deploy --wait} names the instance that failed and shows its last log lines, and says once what
 * failed and where to read more; {@code logs -f} follows a job's output; a process task's command runs as
 * {@code docs/spec.md} says. Against {@code local://}: the supervisor daemon of a state directory of this class's own,
 * stopped at the end.
 */
class BatonCliFailureTest {
    @TempDir
    static Path home;
    static Cli cli;

    @BeforeAll
    static void environment() {
        cli = Cli.withHome(home);
    }

    @AfterAll
    static void stopTheSupervisor() {
        Cli.Run stop = cli.run("supervisor", "stop");
        assertThat(stop.code()).as(stop.all()).isZero();
    }

    private static int count(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }

    @Test
    void aFailedDeployNamesTheInstanceShowsItsLastLogLinesAndSaysOnceWhatFailed() throws IOException {
        Path spec = Files.writeString(home.resolve("crash.yaml"), """
                apiVersion: baton/v1
                name: crash
                groups:
                  - name: web
                    restart: {policy: on-failure, attempts: 1, delay: 100ms}
                    tasks:
                      - name: server
                        command: [sh, -c, "echo starting; echo 'Error: could not find or load main class Foo' >&2; exit 1"]
                """);
        try {
            Cli.Run r = cli.run("deploy", spec.toString(), "--wait", "--timeout", "60s");

            assertThat(r.code()).as(r.all()).isEqualTo(1);
            assertThat(r.out()).as(r.all())
                    .contains("crash: failed")
                    .containsPattern("(?m)^  instance crash-web-0 \\(group web\\): FAILED, exit code 1")
                    .contains("  last lines of crash-web-0:")
                    .containsPattern("(?m)^    \\[crash-web-0\\.server\\] Error: could not find or load main class Foo$")
                    .containsPattern("instance exited: crash-web-0: exited with code 1");
            assertThat(r.err().lines()).as(r.all()).singleElement().asString()
                    .startsWith("deploy of crash failed: instance crash-web-0 failed and has no restart left")
                    .endsWith("; see: baton logs crash --target local://");
            String all = r.out() + r.err();
            assertThat(count(all, "deployment failed")).as("said at most once: %s", all).isLessThanOrEqualTo(1);
            assertThat(count(all, "no restart left")).as("said once: %s", all).isEqualTo(1);
        } finally {
            cli.run("undeploy", "crash");
        }
    }

    @Test
    void aFailureMessageNamesTheNamespaceAndTargetToSeeTheLogs() throws IOException {
        Path spec = Files.writeString(home.resolve("quick.yaml"), """
                apiVersion: baton/v1
                name: quick
                groups:
                  - name: web
                    restart: {policy: never}
                    tasks:
                      - name: server
                        command: [sh, -c, "echo bye; exit 3"]
                """);
        try {
            Cli.Run r = cli.run("deploy", spec.toString(), "-n", "team", "--wait", "--timeout", "60s");

            assertThat(r.code()).as(r.all()).isEqualTo(1);
            assertThat(r.out()).contains("instance quick-web-0").contains("[quick-web-0.server] bye");
            assertThat(r.err()).startsWith("deploy of quick failed: ")
                    .endsWith("; see: baton logs quick -n team --target local://\n");
        } finally {
            cli.run("undeploy", "quick", "-n", "team");
        }
    }

    @Test
    void logsFollowPrintsEachLineAsItIsWrittenUntilTheJobIsUndeployed() throws Exception {
        Path spec = Files.writeString(home.resolve("ticker.yaml"), """
                apiVersion: baton/v1
                name: ticker
                groups:
                  - name: web
                    tasks:
                      - name: main
                        command: [sh, -c, "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"]
                """);
        Cli.Run deploy = cli.run("deploy", spec.toString(), "--wait", "--timeout", "60s");
        assertThat(deploy.code()).as(deploy.all()).isZero();
        StringWriter out = new StringWriter();
        CompletableFuture<Cli.Run> follow = CompletableFuture.supplyAsync(() -> cli.run(out, "logs", "ticker", "-f", "--tail", "1"));
        try {
            Instant until = Instant.now().plus(Duration.ofSeconds(20));
            while (ticks(out.toString()) < 4 && Instant.now().isBefore(until)) {
                Thread.sleep(100);
            }
            assertThat(ticks(out.toString())).as("lines followed: %s", out).isGreaterThanOrEqualTo(4);
        } finally {
            assertThat(cli.run("undeploy", "ticker").code()).isZero();
        }
        Cli.Run followed = follow.get(20, TimeUnit.SECONDS);
        assertThat(followed.code()).as(followed.all()).isZero();
        assertThat(followed.out()).containsPattern("(?m)^\\[ticker-web-0\\.main\\] tick \\d+$");
    }

    @Test
    void aProcessCommandIsAnArgvWithoutAShellAndTheEnvironmentReachesTheProcess() throws IOException {
        Path spec = Files.writeString(home.resolve("argv.yaml"), """
                apiVersion: baton/v1
                name: argv
                type: batch
                groups:
                  - name: run
                    tasks:
                      - name: literal
                        command: [echo, "${PORT_HTTP}", "$GREETING", "a  b", "*"]
                        env: {GREETING: hello}
                        ports: [{name: http}]
                      - name: shell
                        command: [sh, -c, 'echo "$GREETING on $PORT_HTTP"']
                        env: {GREETING: hello}
                """);
        try {
            Cli.Run deploy = cli.run("deploy", spec.toString(), "--wait", "--timeout", "60s");
            assertThat(deploy.code()).as(deploy.all()).isZero();

            Cli.Run logs = cli.run("logs", "argv");
            assertThat(logs.out()).as(logs.all())
                    .contains("[argv-run-0.literal] ${PORT_HTTP} $GREETING a  b *")
                    .containsPattern("\\[argv-run-0\\.shell\\] hello on \\d+");
        } finally {
            cli.run("undeploy", "argv");
        }
    }

    /** How many tick lines, numbered one after the other, were printed. */
    private static int ticks(String out) {
        Matcher m = Pattern.compile("(?m)^\\[ticker-web-0\\.main\\] tick (\\d+)$").matcher(out);
        int n = 0;
        int last = -1;
        while (m.find()) {
            int i = Integer.parseInt(m.group(1));
            if (last >= 0 && i != last + 1) {
                return 0;
            }
            last = i;
            n++;
        }
        return n;
    }
}
