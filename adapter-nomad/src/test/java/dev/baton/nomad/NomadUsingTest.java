package dev.baton.nomad;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import java.net.URI;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link NomadOrchestrator#using}: the application's own OkHttpClient, used as given and never shut down (issue 19). */
class NomadUsingTest {
    private NomadDouble nomad;

    @AfterEach
    void stop() {
        if (nomad != null) {
            nomad.shutdown();
        }
    }

    @Test
    void everyRequestGoesThroughTheGivenClientWhichStaysUsableAfterClose() throws Exception {
        nomad = new NomadDouble();
        OkHttpClient mine = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(10))
                .addInterceptor(chain -> chain.proceed(chain.request().newBuilder().header("X-Application", "shop").build())).build();
        try (Orchestrator o = NomadOrchestrator.using(mine, URI.create("http://" + nomad.address()))) {
            assertThat(o.capabilities().platform()).isEqualTo("nomad");
            assertThat(o.deploy(NomadBudgetTest.job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(o.status("web").groups()).hasSize(1);
            o.undeploy("web");
        }
        // deploy, the blocking queries of the await, status and undeploy: every one carried the interceptor's header
        assertThat(nomad.requests).hasSizeGreaterThan(5).allSatisfy(e -> assertThat(e.getRequest().getHeader("X-Application"))
                .as(e.getRequest().getUrl()).isEqualTo("shop"));
        assertThat(nomad.requests).anyMatch(e -> e.getRequest().getUrl().contains("index="));
        // close() shut down neither the dispatcher nor the pool of a client Baton did not create
        assertThat(mine.dispatcher().executorService().isShutdown()).isFalse();
        try (Response r = mine.newCall(new Request.Builder().url("http://" + nomad.address() + "/v1/status/leader").build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
        }
        mine.dispatcher().executorService().shutdown();
    }
}
