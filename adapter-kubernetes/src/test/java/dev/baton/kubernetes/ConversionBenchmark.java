package dev.baton.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.kubernetes.internal.Translator;
import dev.baton.kubernetes.internal.Fabric8Trees;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * Benchmark main for the conversions between Baton's JSON trees (Jackson 2) and fabric8's objects (Jackson 3 inside):
 * through a JSON string, as the adapter did, and through {@link Fabric8Trees} (tree to tree, no text). The object is a
 * Deployment as the API server returns it after a deploy (managedFields and status included); the rendered one is
 * what Baton applies. Each conversion runs 20,000 times per round, 8 rounds, median of the last 5 reported.
 *
 * <pre>./mvnw -q -o -pl adapter-kubernetes test-compile &amp;&amp;
 * java -cp "adapter-kubernetes/target/test-classes:adapter-kubernetes/target/classes:$(./mvnw -q -o -pl adapter-kubernetes \
 *   dependency:build-classpath -Dmdep.outputFile=/dev/stdout)" dev.baton.kubernetes.ConversionBenchmark</pre>
 */
public final class ConversionBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Object sink;

    private ConversionBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Deployment live;
        ObjectNode rendered;
        try (MockCluster cluster = new MockCluster();
                Orchestrator o = cluster.connect(OrchestratorConfig.builder())) {
            var spec = new KubernetesWorkloads(null).healthyService("conv", 2, 1);
            o.deploy(spec).await(Duration.ofSeconds(30));
            live = cluster.client.apps().deployments().inNamespace("default").withName("conv-web").get();
            rendered = Translator.translate(spec, "default").get(0);
        }
        JsonNode liveJson = JSON.readTree(Serialization.asJson(live));
        System.out.printf("live Deployment: %d bytes of JSON; rendered: %d bytes%n", liveJson.toString().length(), rendered.toString().length());
        measure("fabric8 -> Jackson 2 tree, via a JSON string", () -> {
            try {
                return JSON.readTree(Serialization.asJson(live));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        measure("fabric8 -> Jackson 2 tree, via Fabric8Trees ", () -> Fabric8Trees.toJackson2(live));
        measure("Jackson 2 tree -> fabric8, via a JSON string", () -> Serialization.unmarshal(rendered.toString(), HasMetadata.class));
        measure("Jackson 2 tree -> fabric8, via Fabric8Trees ", () -> Fabric8Trees.toFabric8(rendered, HasMetadata.class));
        HasMetadata typed = Serialization.unmarshal(rendered.toString(), HasMetadata.class);
        measure("apply body from the typed object (fabric8)  ", () -> Serialization.asJson(typed));
        measure("apply body from the Jackson 2 tree          ", () -> rendered.toString());
        measure("spec annotation only (no conversion)        ", () -> live.getMetadata().getAnnotations().get(Translator.SPEC_ANNOTATION));
    }

    private static void measure(String what, Supplier<Object> conversion) {
        int n = 20_000;
        List<Long> rounds = new ArrayList<>();
        for (int round = 0; round < 8; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink = conversion.get();
            }
            rounds.add((System.nanoTime() - t0) / n);
        }
        List<Long> measured = new ArrayList<>(rounds.subList(3, rounds.size()));
        Collections.sort(measured);
        System.out.printf("%s: median %6.1f us per conversion (rounds, ns: %s)%n", what, measured.get(measured.size() / 2) / 1000.0, measured);
    }
}
