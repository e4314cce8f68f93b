package dev.baton.benchmarks.sidebyside;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Baton side by side with each platform's native client on the same backend (issue 16, item 8): fabric8 on fabric8's
 * mock API server with the Kubernetes adapter's controller fixture, OkHttp on the Nomad and Marathon doubles, docker-java
 * on the real Swarm engine of this machine. Every case runs both sides in interleaved rounds in one JVM and prints the
 * median time of each, their ratio, and the requests each sent as the backend counted them. A benchmark, not a test:
 * nothing is asserted about times.
 *
 * <pre>
 * ./mvnw -o -q -pl benchmarks -am package -DskipTests
 * java -cp "benchmarks/target/test-classes:$(cat benchmarks/target/side-by-side.classpath)" \
 *     dev.baton.benchmarks.sidebyside.SideBySide --rounds 20 --warmup 5
 * </pre>
 * Arguments: {@code --rounds N} (kept rounds, default 10; issue 16 asks for medians of at least 8), {@code --warmup N}
 * (default 2), then the platforms to run ({@code kubernetes nomad marathon swarm}, default all). Results and how to
 * read them: docs/benchmarks.md.
 */
public final class SideBySide {
    private SideBySide() {
    }

    private static final Map<String, Supplier<Platform>> PLATFORMS = new LinkedHashMap<>();

    static {
        PLATFORMS.put("kubernetes", dev.baton.kubernetes.KubernetesSideBySide::new);
        PLATFORMS.put("nomad", dev.baton.nomad.NomadSideBySide::new);
        PLATFORMS.put("marathon", dev.baton.marathon.MarathonSideBySide::new);
        PLATFORMS.put("swarm", dev.baton.swarm.SwarmSideBySide::new);
    }

    public static void main(String[] args) throws Exception {
        int rounds = 10;
        int warmup = 2;
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> {
                    if (!PLATFORMS.containsKey(args[i])) {
                        throw new IllegalArgumentException("unknown platform " + args[i] + "; known: " + PLATFORMS.keySet());
                    }
                    chosen.add(args[i]);
                }
            }
        }
        if (chosen.isEmpty()) {
            chosen.addAll(PLATFORMS.keySet());
        }
        PrintStream progress = System.err;
        List<Comparison.Result> results = new ArrayList<>();
        List<String> notMeasured = new ArrayList<>();
        for (String p : chosen) {
            progress.println(p + ":");
            Platform platform;
            try {
                platform = PLATFORMS.get(p).get();
            } catch (RuntimeException e) {
                notMeasured.add(p + ": " + e.getMessage());
                progress.println("  not measured: " + e);
                continue;
            }
            try (platform) {
                for (Comparison c : platform.comparisons()) {
                    try {
                        results.add(c.run(warmup, rounds, progress));
                    } catch (Exception e) {
                        notMeasured.add(c.name() + ": " + e);
                        progress.println("  " + c.name() + ": not measured: " + e);
                        e.printStackTrace(progress);
                    }
                }
            }
        }
        print(results, notMeasured, rounds, warmup, System.out);
        // the doubles' and clients' threads are not all daemons
        System.exit(notMeasured.isEmpty() ? 0 : 1);
    }

    static void print(List<Comparison.Result> results, List<String> notMeasured, int rounds, int warmup, PrintStream out) {
        out.printf("%nMedians of %d interleaved rounds (after %d warm-up rounds); requests as counted at the backend, "
                + "median (min-max when they vary).%n%n", rounds, warmup);
        out.println("| case | Baton | native | ratio | ratio, paired | requests Baton / native |");
        out.println("| --- | ---: | ---: | ---: | ---: | --- |");
        for (Comparison.Result r : results) {
            double b = median(r.baton().stream().mapToDouble(Comparison.Sample::nanos).toArray());
            double n = median(r.nativeClient().stream().mapToDouble(Comparison.Sample::nanos).toArray());
            double[] paired = new double[r.baton().size()];
            for (int i = 0; i < paired.length; i++) {
                paired[i] = (double) r.baton().get(i).nanos() / r.nativeClient().get(i).nanos();
            }
            out.printf(Locale.ROOT, "| %s | %s | %s | %.2f× | %.2f× | %s / %s |%n", r.name(), time(b), time(n), b / n, median(paired),
                    requests(r.baton()), requests(r.nativeClient()));
        }
        boolean header = false;
        for (Comparison.Result r : results) {
            String b = phases(r.baton());
            String n = phases(r.nativeClient());
            if (b.isEmpty() && n.isEmpty()) {
                continue;
            }
            if (!header) {
                out.printf("%nWhere the time goes, medians by phase:%n%n");
                header = true;
            }
            out.printf("- %s: Baton %s; native %s%n", r.name(), b.isEmpty() ? "-" : b, n.isEmpty() ? "-" : n);
        }
        for (String m : notMeasured) {
            out.println("not measured: " + m);
        }
    }

    /** The median of each phase the runs marked, in the order marked: "deploy 25.1 ms, await 301.0 ms". */
    private static String phases(List<Comparison.Sample> samples) {
        Map<String, List<Long>> by = new LinkedHashMap<>();
        for (Comparison.Sample s : samples) {
            s.laps().forEach((k, v) -> by.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        List<String> out = new ArrayList<>();
        by.forEach((k, v) -> out.add(k + " " + time(median(v.stream().mapToDouble(Long::doubleValue).toArray()))));
        return String.join(", ", out);
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    private static String time(double nanos) {
        return nanos >= 1e9 ? String.format(Locale.ROOT, "%.2f s", nanos / 1e9) : String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    private static String requests(List<Comparison.Sample> samples) {
        double[] rs = samples.stream().mapToDouble(Comparison.Sample::requests).toArray();
        double med = median(rs);
        int min = samples.stream().mapToInt(Comparison.Sample::requests).min().orElse(0);
        int max = samples.stream().mapToInt(Comparison.Sample::requests).max().orElse(0);
        String m = med == Math.rint(med) ? Long.toString((long) med) : String.format(Locale.ROOT, "%.1f", med);
        return min == max ? m : m + " (" + min + "-" + max + ")";
    }
}
