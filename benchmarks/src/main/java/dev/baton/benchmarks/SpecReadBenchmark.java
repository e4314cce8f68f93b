package dev.baton.benchmarks;

import dev.baton.Specs;
import dev.baton.model.JobSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/** Parse + validate of the full SPEC.md example, on one thread: the throughput is specs per second on one core. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SpecReadBenchmark {
    private String yaml;
    private String json;

    @Setup
    public void load() throws IOException {
        try (InputStream in = SpecReadBenchmark.class.getResourceAsStream("/spec-example.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        json = Specs.toJson(Specs.read(yaml));
    }

    @Benchmark
    public JobSpec parseAndValidateYaml() {
        return Specs.read(yaml);
    }

    @Benchmark
    public JobSpec parseAndValidateJson() {
        return Specs.read(json);
    }

    @Benchmark
    public String writeYaml() {
        return Specs.toYaml(Specs.read(json));
    }
}
