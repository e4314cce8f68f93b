package dev.baton.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.Orchestrators;
import dev.baton.spi.OrchestratorProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Every command explains itself: help, defaults, hints after a mistake, the version, shell completion. */
class BatonCliHelpTest {
    @TempDir
    Path home;

    private Cli.Run run(String... args) {
        return Cli.withHome(home).run(args);
    }

    /** Each command and nested command, as the words that name it ({@code [secret, put]}). */
    private static List<List<String>> everyCommand() {
        List<List<String>> all = new ArrayList<>();
        for (String name : new TreeSet<>(BatonCli.COMMANDS.keySet())) {
            CommandLine cl = new CommandLine(BatonCli.COMMANDS.get(name).get());
            all.add(List.of(name));
            cl.getSubcommands().keySet().forEach(sub -> all.add(List.of(name, sub)));
        }
        return all;
    }

    private static CommandSpec specOf(List<String> words) {
        CommandLine cl = new CommandLine(BatonCli.COMMANDS.get(words.get(0)).get());
        for (String w : words.subList(1, words.size())) {
            cl = cl.getSubcommands().get(w);
        }
        return cl.getCommandSpec();
    }

    @Test
    void everyCommandAndNestedCommandHasHelpThatNamesEachOptionWithItsDefault() {
        List<List<String>> commands = everyCommand();
        assertThat(commands).contains(List.of("deploy"), List.of("secret", "put"), List.of("supervisor", "stop"), List.of("help"),
                List.of("completion"));
        for (List<String> words : commands) {
            List<String> args = new ArrayList<>(words);
            args.add("--help");
            Cli.Run r = run(args.toArray(String[]::new));

            assertThat(r.code()).as("baton %s --help: %s", words, r.all()).isZero();
            assertThat(r.out()).as("baton %s --help", words).contains("Usage: baton " + String.join(" ", words));
            String flat = r.out().replaceAll("\\s+", " ");
            for (OptionSpec o : specOf(words).options()) {
                for (String name : o.names()) {
                    assertThat(r.out()).as("baton %s --help names %s", words, name).contains(name);
                }
                if (o.defaultValue() != null && !o.usageHelp() && !o.versionHelp()) {
                    assertThat(flat).as("baton %s --help gives the default of %s", words, o.longestName())
                            .contains("(default: " + o.defaultValue() + ")");
                }
            }
            specOf(words).positionalParameters().forEach(p ->
                    assertThat(r.out()).as("baton %s --help names %s", words, p.paramLabel()).contains(p.paramLabel()));
        }
    }

    @Test
    void theHelpCommandShowsTheHelpOfACommandAndOfANestedOne() {
        Cli.Run help = run("help", "deploy");
        Cli.Run option = run("deploy", "--help");

        assertThat(help.code()).isZero();
        assertThat(help.out()).isEqualTo(option.out()).contains("--timeout=DURATION").contains("(default: 5m)");
        assertThat(BatonCli.commandLine(new String[] {"help", "deploy"}).getSubcommands()).containsOnlyKeys("help", "deploy");

        Cli.Run nested = run("help", "secret", "list");
        assertThat(nested.code()).as(nested.all()).isZero();
        assertThat(nested.out()).startsWith("Usage: baton secret list").contains("--output=FORMAT");

        Cli.Run root = run("help");
        assertThat(root.code()).isZero();
        assertThat(root.out()).contains("deploy").contains("completion").contains("Exit codes:");
    }

    @Test
    void helpNeedsNoneOfTheCommandsRequiredArguments() {
        Cli.Run bare = run("deploy", "--help");
        Cli.Run withFile = run("deploy", "hello.yaml", "-h");
        Cli.Run render = run("render", "--help");

        assertThat(bare.code()).as(bare.all()).isZero();
        assertThat(bare.err()).isEmpty();
        assertThat(withFile.code()).as(withFile.all()).isZero();
        assertThat(withFile.out()).isEqualTo(bare.out());
        assertThat(render.code()).as("render's --target is required, but not for help").isZero();
    }

    @Test
    void aMistakePointsAtTheHelpOfTheCommandAndThatHelpWorks() {
        Cli.Run missing = run("secret", "put", "db");

        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("try: baton secret put --help");
        assertThat(run("secret", "put", "--help").code()).isZero();

        Cli.Run typo = run("deplyo", "x.yaml");
        assertThat(typo.code()).isEqualTo(1);
        assertThat(typo.err()).contains("Did you mean: baton deploy").contains("try: baton --help");
    }

    @Test
    void aNegativeCountIsAnArgumentErrorNotASpecError() {
        Cli.Run r = run("scale", "hello", "web", "-1");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("COUNT must be 0 or more, not -1").contains("try: baton scale --help")
                .doesNotContain("spec");
    }

    @Test
    void aWrongDurationIsAnArgumentError() {
        Cli.Run r = run("scale", "hello", "web", "2", "--timeout", "soon");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--timeout: \"soon\" is not a duration").doesNotContain("spec");
    }

    @Test
    void theVersionIsTheBuildsAndListsTheAdaptersOnTheClassPath() {
        Cli.Run r = run("--version");

        assertThat(r.code()).isZero();
        List<String> lines = r.out().lines().toList();
        // run from target/classes the jar manifest is not there: the fallback names the core's version
        assertThat(lines.get(0)).isEqualTo("baton " + BatonCli.VersionProvider.version())
                .matches("baton (development build.*|\\d+\\.\\d+\\.\\d+.*)");
        for (OrchestratorProvider p : Orchestrators.providers()) {
            assertThat(r.out()).containsPattern("(?m)^  " + p.id() + " +" + p.artifact().replace(".", "\\.") + "\\b");
        }
        assertThat(run("deploy", "--version").out()).as("a command's --version is the same").isEqualTo(r.out());
    }

    @Test
    void completionPrintsABashScriptAndTheSameForZshAfterBashcompinit() throws IOException, InterruptedException {
        Cli.Run bash = run("completion", "bash");
        Cli.Run zsh = run("completion", "zsh");

        assertThat(bash.code()).isZero();
        assertThat(bash.out()).contains("_complete_baton").contains("complete -F _complete_baton");
        for (String command : BatonCli.COMMANDS.keySet()) {
            assertThat(bash.out()).as("completes %s", command).contains(command);
        }
        assertThat(bash.out()).contains("--best-effort").contains("--namespace");
        assertThat(zsh.code()).isZero();
        assertThat(zsh.out()).endsWith(bash.out());
        assertThat(zsh.out().substring(0, zsh.out().length() - bash.out().length()))
                .contains("autoload -U +X bashcompinit && bashcompinit");

        Path bashExe = Path.of("/bin/bash");
        if (Files.isExecutable(bashExe)) {
            Path script = Files.writeString(home.resolve("baton.bash"), bash.out());
            Process p = new ProcessBuilder(bashExe.toString(), "-n", script.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as("bash -n: %s", out).isZero();
        }
    }

    @Test
    void kubernetesHasTheAliasK8s() throws IOException {
        Path spec = Files.writeString(home.resolve("ok.yaml"), """
                apiVersion: baton/v1
                name: ok
                groups: [{name: web, tasks: [{name: t, image: nginx:1.27}]}]
                """);

        Cli.Run r = run("render", spec.toString(), "--target", "k8s");

        assertThat(r.code()).as(r.all()).isZero();
        assertThat(r.out()).contains("kind: Deployment");
    }
}
