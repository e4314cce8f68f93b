package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.spi.DeploymentTracker;
import dev.baton.spi.EventBus;
import dev.baton.spi.JsonDiff;
import dev.baton.spi.JsonMergePatch;
import dev.baton.spi.RetryPolicy;
import dev.baton.spi.RetryPolicy.Safety;
import dev.baton.status.Event;
import dev.baton.status.GroupStatus;
import dev.baton.status.Health;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobState;
import dev.baton.status.JobStatus;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MachineryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @ParameterizedTest(name = "{0} + {1} = {2}")
    @CsvSource(delimiter = '|', value = {
        // the examples of RFC 7386, appendix A
        "{'a':'b'}|{'a':'c'}|{'a':'c'}",
        "{'a':'b'}|{'b':'c'}|{'a':'b','b':'c'}",
        "{'a':'b'}|{'a':null}|{}",
        "{'a':'b','b':'c'}|{'a':null}|{'b':'c'}",
        "{'a':['b']}|{'a':'c'}|{'a':'c'}",
        "{'a':'c'}|{'a':['b']}|{'a':['b']}",
        "{'a':{'b':'c'}}|{'a':{'b':'d','c':null}}|{'a':{'b':'d'}}",
        "{'a':[{'b':'c'}]}|{'a':[1]}|{'a':[1]}",
        "['a','b']|['c','d']|['c','d']",
        "{'a':'b'}|['c']|['c']",
        "{'e':null}|{'a':1}|{'e':null,'a':1}",
        "[1,2]|{'a':'b','c':null}|{'a':'b'}",
        "{}|{'a':{'bb':{'ccc':null}}}|{'a':{'bb':{}}}"
    })
    void mergePatchFollowsRfc7386(String target, String patch, String result) {
        assertThat(JsonMergePatch.apply(json(target), json(patch))).isEqualTo(json(result));
    }

    @Test
    void jsonDiffNamesEachChangedField() {
        assertThat(JsonDiff.diff(json("{'a':1,'b':{'c':[1,2]}}"), json("{'a':1,'b':{'c':[1,3]},'d':true}")))
                .extracting(Object::toString).containsExactly("b.c[1]: 2 -> 3", "d: <none> -> true");
    }

    @Test
    void retriesIdempotentRequestsUntilTheySucceed() {
        AtomicInteger calls = new AtomicInteger();
        RetryPolicy p = new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(5));

        String r = p.execute("get", Safety.IDEMPOTENT, () -> {
            if (calls.incrementAndGet() < 3) {
                throw new ConnectException("refused");
            }
            return "ok";
        }, e -> e instanceof ConnectException);

        assertThat(r).isEqualTo("ok");
        assertThat(calls).hasValue(3);
    }

    @Test
    void neverRetriesARequestThatIsNotSafeToRepeat() {
        AtomicInteger calls = new AtomicInteger();
        RetryPolicy p = new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(5));

        assertThatThrownBy(() -> p.execute("post", Safety.NOT_IDEMPOTENT, () -> {
            calls.incrementAndGet();
            throw new IllegalStateException("boom");
        }, e -> true)).hasMessage("boom");
        assertThat(calls).hasValue(1);
    }

    @Test
    void retriesAreBoundedInAttemptsAndWrapCheckedFailures() {
        AtomicInteger calls = new AtomicInteger();
        RetryPolicy p = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofSeconds(5));

        assertThatThrownBy(() -> p.execute("get", Safety.IDEMPOTENT, () -> {
            calls.incrementAndGet();
            throw new IOException("reset");
        }, e -> true)).isInstanceOf(RetryPolicy.RetryExhaustedException.class).hasRootCauseMessage("reset");
        assertThat(calls).hasValue(3);
    }

    @Test
    void backoffStaysWithinItsCap() {
        RetryPolicy p = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(30));
        for (int attempt = 1; attempt < 10; attempt++) {
            assertThat(p.backoff(attempt)).isLessThanOrEqualTo(Duration.ofSeconds(1));
        }
        assertThat(p.backoff(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    }

    @Test
    void aFailingListenerDoesNotStopTheOthers() {
        EventBus<String> bus = new EventBus<>();
        List<String> seen = new ArrayList<>();
        bus.subscribe(e -> {
            throw new IllegalStateException("listener bug");
        });
        Subscription s = bus.subscribe(seen::add);

        bus.publish("a");
        s.close();
        bus.publish("b");

        assertThat(seen).containsExactly("a");
    }

    private static JobStatus status(int healthy, int desired) {
        List<InstanceStatus> instances = new ArrayList<>();
        for (int i = 0; i < healthy; i++) {
            instances.add(new InstanceStatus("i" + i, "web", InstanceState.RUNNING, Health.HEALTHY, "h", "127.0.0.1",
                    null, null, null, null, "v1", 0));
        }
        return new JobStatus("app", null, "test", JobState.DEPLOYING, Health.UNKNOWN, "v1",
                List.of(new GroupStatus("web", desired, instances)), null);
    }

    @Test
    void aTrackerReportsProgressOnceEachAndEndsWhenHealthy() {
        List<Event> events = new ArrayList<>();
        DeploymentTracker t = DeploymentTracker.started("test", "app", "d1", true, (tracker, deadline) -> {
            tracker.progress(status(0, 2));
            tracker.progress(status(0, 2));
            tracker.completeIfHealthy(status(1, 2), false);
            tracker.completeIfHealthy(status(2, 2), false);
        });
        t.onEvent(events::add);

        DeploymentResult r = t.await(Duration.ofSeconds(1));

        assertThat(r.outcome()).isEqualTo(Outcome.HEALTHY);
        assertThat(events).extracting(Event::type).containsExactly(Event.Type.PROGRESS, Event.Type.PROGRESS,
                Event.Type.PROGRESS, Event.Type.DEPLOYMENT_SUCCEEDED);
        assertThat(events.get(2).progress().get(0).healthy()).isEqualTo(2);
    }

    @Test
    void aTrackerThatDoesNotFinishInTimeSaysSo() {
        DeploymentTracker t = DeploymentTracker.started("test", "app", null, true, (tracker, deadline) -> tracker.progress(status(1, 2)));

        DeploymentResult r = t.await(Duration.ofMillis(10));

        assertThat(r.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(r.status().groups().get(0).healthy()).isEqualTo(1);
        assertThat(r.isSuccess()).isFalse();
    }

    @Test
    void secretDataNeverShowsItsValues() {
        SecretData d = SecretData.of("password", "hunter2");

        assertThat(d.toString()).doesNotContain("hunter2").contains("password");
        assertThat(d.string("password")).isEqualTo("hunter2");
    }

    @Test
    void targetsParseSchemeAndAddress() {
        assertThat(Target.parse("nomad://10.0.0.1:4646")).isEqualTo(new Target("nomad", "10.0.0.1:4646"));
        assertThat(Target.parse("local")).isEqualTo(new Target("local", ""));
        assertThat(Target.parse("KUBERNETES://").isDefault()).isTrue();
        assertThatThrownBy(() -> Target.parse("10.0.0.1:4646")).hasMessageContaining("has no scheme");
        assertThat(Target.parse("nomad://a:4646, https://b:4646").servers("http://127.0.0.1:4646", "Nomad"))
                .containsExactly("http://a:4646", "https://b:4646");
        assertThat(Target.parse("nomad://").servers("http://127.0.0.1:4646", "Nomad")).containsExactly("http://127.0.0.1:4646");
        assertThatThrownBy(() -> Target.parse("nomad://a b").servers("", "Nomad")).hasMessage("\"http://a b\" is not a Nomad address");
    }
}
