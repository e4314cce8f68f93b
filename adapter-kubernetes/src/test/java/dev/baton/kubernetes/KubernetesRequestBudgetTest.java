package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.Selector;
import dev.baton.model.JobSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The requests each operation sends, counted at the API server (the {@link MockCluster}'s controllers' own requests
 * left out), for a job of one group with one Service: issue 16's budgets. A watch counts as the one request that opens
 * it. Each case says what a user of the native client (fabric8) sends for the same thing, knowing what it deployed:
 * Baton sends more only where it must read what that user keeps in mind (the objects a job owns, whether they
 * changed), never per pod and never per watch event.
 */
class KubernetesRequestBudgetTest {
    private MockCluster cluster;
    private RequestLog log;
    private Orchestrator o;

    @BeforeEach
    void start() throws Exception {
        cluster = new MockCluster();
        log = new RequestLog(cluster.server);
        o = cluster.connect();
        log.clear();
    }

    @AfterEach
    void stop() {
        o.close();
        cluster.close();
    }

    private static JobSpec service(String name, int count) {
        return new KubernetesWorkloads(null).healthyService(name, count, 1);
    }

    /** The requests since the last look, printed, asserted to be {@code requests} of which {@code writes} write. */
    private List<String> expect(String what, int requests, int writes) throws InterruptedException {
        List<String> got = log.take();
        System.out.println("REQUESTS " + what + ": " + got.size() + " (" + RequestLog.writes(got).size() + " writes)");
        got.forEach(r -> System.out.println("    " + r));
        assertThat(got).as(what).hasSize(requests);
        assertThat(RequestLog.writes(got)).as(what + ": writes").hasSize(writes);
        return got;
    }

    @Test
    void aDeployAwaitAndUndeployOfOneServiceSendOnlyWhatItMustReadAndWrite() throws Exception {
        var d = o.deploy(service("app", 2));
        // the job's Deployments listed by its label (is there a previous spec? what did it own?), then one server-side
        // apply per rendered object. Native: 2, the applies (the user knows the job is new).
        expect("first deploy", 3, 2);

        assertThat(d.await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
        // one watch each of the pods and the Service's EndpointSlices; no list, no read per event. The Deployment
        // comes from the apply's answer, and is watched only from when its controller's verdict can first come
        // (progressDeadlineSeconds, 600 s here). Native: 2, a watch of the Deployment until it is available (kubectl
        // rollout status) and one of the EndpointSlices until they list the pods.
        List<String> await2 = expect("await, 2 replicas", 2, 0);
        assertThat(await2).allMatch(r -> r.contains("watch=true")).noneMatch(r -> r.contains("/deployments"));

        var again = o.deploy(service("app", 2));
        // nothing written: the Deployment comes with the list, the Service is read (at most one read per rendered
        // object, issue 16). Native: 2, one no-op apply per object.
        expect("unchanged redeploy", 2, 0);
        assertThat(again.changed()).isFalse();
        assertThat(again.await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
        // the pods and the EndpointSlices listed once show the job as it should be: no watch is opened. Native: 1-2,
        // a read of the Deployment's status (and of the EndpointSlices).
        expect("await of the unchanged redeploy", 2, 0);

        o.list(Selector.all());
        // one list per workload kind and one of the pods, whatever the number of jobs (below: the same with two).
        // Native: the same lists, for a user who does not know which kinds the jobs are.
        expect("list, 1 job", 5, 0);

        o.undeploy("app");
        // the job's Deployments listed (the spec stored on them names the Service), then one delete per object,
        // propagation Background: the garbage collector removes the ReplicaSets, pods and EndpointSlices. Native: 2.
        expect("undeploy", 3, 2);

        o.deploy(service("nowait", 2));
        o.undeploy("nowait");
        // Native: 4 (2 applies, 2 deletes).
        expect("deploy without await, then undeploy", 6, 4);
    }

    @Test
    void theAwaitSendsAsManyRequestsFor16ReplicasAsFor2() throws Exception {
        var big = o.deploy(service("big", 16));
        expect("first deploy, 16 replicas", 3, 2);
        assertThat(big.await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);
        // the same two watches as for 2 replicas: the pods' states arrive as events, none is read again
        expect("await, 16 replicas", 2, 0);

        o.deploy(service("other", 1)).await(Duration.ofSeconds(30));
        log.settle();
        o.list(Selector.all());
        expect("list, 2 jobs", 5, 0);
        o.undeploy("big");
        expect("undeploy, 16 replicas", 3, 2);
    }

    /**
     * First deploy + await healthy + undeploy, in all: 8 requests (3 + 2 + 3), issue 16's budget, where the native
     * client's user sends 6 (2 applies, 2 watches, 2 deletes). The two over are the lists before the applies and
     * before the deletes: what Baton cannot know without reading (whether the job exists and what it owned).
     */
    @Test
    void aFirstDeployAwaitAndUndeployIsEightRequestsInAll() throws Exception {
        assertThat(o.deploy(service("app", 2)).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
        o.undeploy("app");
        expect("first deploy + await + undeploy", 8, 4);
    }
}
