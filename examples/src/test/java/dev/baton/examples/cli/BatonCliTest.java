package dev.baton.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatonCliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BatonCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void anInvalidSpecExitsWithTwoAndOneViolationPerLine() throws IOException {
        Path spec = write("bad.yaml", """
                apiVersion: baton/v1
                name: Bad_Name
                groups:
                  - name: web
                    count: lots
                    tasks: [{name: t, command: [x], imag: y}]
                """);

        Run r = run("render", spec.toString(), "--target", "local");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines()).containsExactly(
                "invalid spec:",
                "  groups[0].count: expected an integer, got \"lots\"",
                "  groups[0].tasks[0].imag: unknown field (did you mean \"image\"?)",
                "  name: \"Bad_Name\" is not a valid job name: 1-63 characters of a-z, 0-9 and -, starting with a letter and ending with a letter or digit");
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aMissingFileIsAPlainErrorWithoutAStackTrace() {
        Run r = run("deploy", dir.resolve("nope.yaml").toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("baton: ").contains("nope.yaml").doesNotContain("\tat ");
    }

    @Test
    void anUnknownSchemeIsAnArgumentErrorThatListsTheKnownOnes() throws IOException {
        Path spec = write("ok.yaml", """
                apiVersion: baton/v1
                name: ok
                groups: [{name: web, tasks: [{name: t, command: [x]}]}]
                """);

        Run r = run("render", spec.toString(), "--target", "mesos");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no provider supports the scheme mesos://")
                .contains("kubernetes://").contains("local://").contains("k8s://").doesNotContain("unsupported");
    }

    @Test
    void usageMistakesExitWithOneAndSayHowToGetHelp() {
        Run r = run("scale", "job", "group");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("Missing required parameter: 'COUNT'").contains("baton scale --help");
    }

    @Test
    void theSubcommandsBuiltOneAtATimeAreExactlyTheDeclaredOnes() {
        var declared = new picocli.CommandLine(new BatonCli()).getSubcommands();

        assertThat(BatonCli.COMMANDS.keySet()).containsExactlyInAnyOrderElementsOf(declared.keySet());
        BatonCli.COMMANDS.forEach((name, make) ->
                assertThat(make.get()).isExactlyInstanceOf(declared.get(name).getCommand().getClass()));
        assertThat(BatonCli.commandLine(new String[] {"render", "x.yaml"}).getSubcommands()).containsOnlyKeys("render");
    }

    @Test
    void theCapabilityMatrixHasAColumnPerAdapterOnTheClassPath() {
        Run r = run("capabilities", "--markdown");

        assertThat(r.code()).isZero();
        String header = r.out().lines().findFirst().orElseThrow();
        assertThat(header).startsWith("| capability |");
        assertThat(r.out()).contains("| `jobType.service` |").contains("| `feature.ROLLBACK` |");
    }
}
