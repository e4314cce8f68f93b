package dev.baton.examples.bench;

import dev.baton.DeploymentResult;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.examples.embed.EmbeddedExample;
import dev.baton.model.JobSpec;
import dev.baton.model.UpdatePolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Benchmark main for the local adapter and the command line; results go to docs/benchmarks.md.
 *
 * <pre>java -cp examples/target/baton.jar dev.baton.examples.bench.LocalBenchmarks [runs]</pre>
 *
 * Measures (1) the time from {@code deploy} to all healthy for 20 instances of the hello service on the local
 * adapter, each run in a fresh state directory: with {@code minHealthyTime: 0s} (what the supervisor itself costs)
 * and with the default (an instance counts once it stayed healthy for 2 s); and (2) the cold-start time of
 * {@code baton render} (a new JVM per run, wall clock until it exits).
 */
public final class LocalBenchmarks {
    private LocalBenchmarks() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path jar = Path.of(LocalBenchmarks.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        JobSpec hello = EmbeddedExample.helloSpec(jar.toString()).withCount("web", 20);
        UpdatePolicy update = hello.update() == null ? UpdatePolicy.rolling() : hello.update();
        JobSpec immediate = hello.toBuilder().update(update.withMinHealthyTime(Duration.ZERO)).build();
        List<Long> withoutWindow = deploys(immediate, runs, "minHealthyTime 0s");
        List<Long> withWindow = deploys(hello, runs, "default minHealthyTime");
        List<Long> renders = new ArrayList<>();
        String java = ProcessHandle.current().info().command().orElse("java");
        Path spec = Path.of("examples/specs/hello.yaml");
        for (int i = 0; i < runs * 2; i++) {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(java, "-jar", jar.toString(), "render", spec.toString(), "--target", "local")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("render failed");
            }
            renders.add((System.nanoTime() - t0) / 1_000_000);
        }
        System.out.println("deploy to 20 healthy, minHealthyTime 0s (ms): " + summary(withoutWindow));
        System.out.println("deploy to 20 healthy, default minHealthyTime 2s (ms): " + summary(withWindow));
        System.out.println("baton render cold start (ms): " + summary(renders));
    }

    private static List<Long> deploys(JobSpec spec, int runs, String label) throws Exception {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Path state = Files.createTempDirectory("baton-bench");
            try (Orchestrator o = Orchestrators.connect(Target.parse("local://embedded"),
                    OrchestratorConfig.builder().property("local.stateDir", state.toString()).build())) {
                long t0 = System.nanoTime();
                DeploymentResult r = o.deploy(spec).await(Duration.ofMinutes(5));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (!r.isSuccess()) {
                    throw new IllegalStateException("run " + i + ": " + r.outcome() + " " + r.message());
                }
                out.add(ms);
                System.out.printf("deploy to 20 healthy (%s), run %d: %d ms%n", label, i + 1, ms);
                o.undeploy(spec.name());
            }
        }
        return out;
    }

    private static String summary(List<Long> values) {
        List<Long> v = new ArrayList<>(values);
        Collections.sort(v);
        return "median " + v.get(v.size() / 2) + ", min " + v.get(0) + ", max " + v.get(v.size() - 1) + ", runs " + v.size();
    }
}
