package dev.baton.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark main comparing fabric8's HTTP transports (Vert.x 5, the default, the JDK client and OkHttp, with the
 * OkHttp version the Nomad and Marathon adapters use) for the calls
 * Baton makes most: reads and replaces of one object against the CRUD mock server on 127.0.0.1. Each transport gets
 * a warm-up, then rounds of 500 GET+PUT pairs; the median round is reported, with the client's creation time.
 *
 * <pre>./mvnw -q -pl adapter-kubernetes -Ptransport-benchmark test-compile &&
 * java -cp "adapter-kubernetes/target/test-classes:adapter-kubernetes/target/classes:$(./mvnw -q -pl adapter-kubernetes \
 *   dependency:build-classpath -Ptransport-benchmark -Dmdep.outputFile=/dev/stdout)" dev.baton.kubernetes.TransportBenchmark [okhttp vertx jdk]</pre>
 * (the optional arguments give the order; the first transport also warms up fabric8's shared code for the others).
 */
public final class TransportBenchmark {
    private TransportBenchmark() {
    }

    /** A transport on the class path only with {@code -Ptransport-benchmark}. */
    private static HttpClient.Factory factory(String className) throws ReflectiveOperationException {
        return (HttpClient.Factory) Class.forName(className).getDeclaredConstructor().newInstance();
    }

    public static void main(String[] args) throws Exception {
        MockCluster.MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        Map<String, HttpClient.Factory> transports = new java.util.LinkedHashMap<>();
        transports.put("vertx-5 (fabric8's default)", factory("io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory"));
        transports.put("jdk", factory("io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory"));
        transports.put("okhttp (Baton's)", new io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory());
        if (args.length > 0) {
            // another order (the transports share fabric8's code, which the first one warms up for the others)
            Map<String, HttpClient.Factory> ordered = new java.util.LinkedHashMap<>();
            for (String name : args) {
                for (var known : transports.entrySet()) {
                    if (known.getKey().startsWith(name)) {
                        ordered.put(known.getKey(), known.getValue());
                    }
                }
            }
            transports = ordered;
        }
        for (var t : transports.entrySet()) {
            long c0 = System.nanoTime();
            Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + server.getPort()).build();
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(t.getValue()).build()) {
                var cm = client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                        .withName("bench-" + t.getKey().replaceAll("[^a-z0-9]", "")).endMetadata().addToData("k", "v").build()).create();
                long created = System.nanoTime() - c0;
                List<Long> rounds = new ArrayList<>();
                for (int round = 0; round < 8; round++) {
                    long r0 = System.nanoTime();
                    for (int i = 0; i < 500; i++) {
                        var live = client.configMaps().inNamespace("default").withName(cm.getMetadata().getName()).get();
                        live.getData().put("k", Integer.toString(i));
                        client.configMaps().inNamespace("default").resource(live).update();
                    }
                    rounds.add((System.nanoTime() - r0) / 500 / 1000);
                }
                List<Long> measured = new ArrayList<>(rounds.subList(3, rounds.size()));
                Collections.sort(measured);
                System.out.printf("%-18s first request after %4d ms; GET+PUT pair: median %d us (rounds %s)%n", t.getKey(),
                        created / 1_000_000, measured.get(measured.size() / 2), measured);
            }
        }
        server.destroy();
    }
}
