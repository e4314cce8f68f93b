package dev.baton.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.examples.embed.EmbeddedExample;
import dev.baton.examples.hello.HelloServer;
import dev.baton.model.JobSpec;
import dev.baton.status.Endpoint;
import dev.baton.testkit.OrchestratorTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A portable integration test as users write them: it runs once per target in {@code BATON_TARGETS} (default
 * {@code local://embedded}) and does not know which platform it runs on.
 */
class HelloPortableIT {

    @OrchestratorTest
    void theHelloServiceAnswersOnEveryEndpoint(Orchestrator orchestrator) throws Exception {
        String classes = Path.of(HelloServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        JobSpec spec = EmbeddedExample.helloSpec(classes);
        try {
            assertThat(orchestrator.deploy(spec).await(Duration.ofMinutes(2)).outcome()).isEqualTo(Outcome.HEALTHY);

            HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
            for (Endpoint e : orchestrator.endpoints("hello-embedded")) {
                String body = http.send(HttpRequest.newBuilder(URI.create("http://" + e.hostAndPort() + "/")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(body).startsWith("hello from an embedded deploy from " + e.instanceId());
            }
            assertThat(orchestrator.endpoints("hello-embedded")).hasSize(2);
        } finally {
            orchestrator.undeploy(spec.name());
        }
    }
}
