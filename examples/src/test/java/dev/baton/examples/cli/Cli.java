package dev.baton.examples.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs the command line in this JVM with its own environment, and keeps what it printed. */
final class Cli {
    private final Map<String, String> env;

    /** What one command printed, and its exit code. */
    record Run(int code, String out, String err) {
        /** Both streams, for assertion messages. */
        String all() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private Cli(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** The process environment without {@code BATON_TARGET}, with {@code BATON_HOME} set to {@code home}. */
    static Cli withHome(Path home) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("BATON_TARGET");
        env.put("BATON_HOME", home.toString());
        return new Cli(env);
    }

    Map<String, String> env() {
        return env;
    }

    Run run(String... args) {
        return run(new StringWriter(), args);
    }

    /** Runs a command that prints into {@code out}, which another thread may read while it runs. */
    Run run(StringWriter out, String... args) {
        StringWriter err = new StringWriter();
        int code = BatonCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new Run(code, out.toString(), err.toString());
    }
}
