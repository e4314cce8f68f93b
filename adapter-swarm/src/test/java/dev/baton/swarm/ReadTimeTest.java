package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.swarm.SwarmOrchestrator.ReadTime;
import dev.baton.swarm.SwarmOrchestrator.Wake;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * When an await's wait on the engine's events ends in a read of the tasks (issue 16: re-read only what an event says
 * changed). Times in milliseconds from the wait's start, as {@link System#nanoTime()} values; the timeline is that of a
 * real engine (dockerd 20.10, one node): service created at 0, its two containers created at 180 ms and started at 260
 * and 290 ms.
 */
class ReadTimeTest {
    private static final long T0 = 1_000_000_000L;
    private static final Duration WINDOW = Duration.ofMillis(250);
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private static long at(long millis) {
        return T0 + millis * 1_000_000L;
    }

    private static long ms(long nanos) {
        return (nanos - T0) / 1_000_000L;
    }

    @Test
    void theStartsOfTwoReplicasAreReadOnceAfterTheLastOfThem() {
        ReadTime when = new ReadTime(at(0), WINDOW, LIMIT, LIMIT, null);

        assertThat(when.take(Wake.PROGRESS, at(180), at(180))).isFalse();
        assertThat(when.take(Wake.TASK, at(260), at(260))).isFalse();
        assertThat(when.take(Wake.TASK, at(290), at(290))).isFalse();

        assertThat(ms(when.due())).isEqualTo(290 + SwarmOrchestrator.AGENT_REPORT.toMillis());
    }

    @Test
    void theCreationOfTheJobsContainerPutsOffTheReReadTheStartWouldMakeNeedless() {
        ReadTime when = new ReadTime(at(0), WINDOW, LIMIT, LIMIT, null);
        assertThat(ms(when.due())).isEqualTo(250);

        when.take(Wake.PROGRESS, at(180), at(180));

        assertThat(ms(when.due())).isEqualTo(180 + 250);
    }

    @Test
    void aBurstThatGoesOnIsReadNoLaterThanItsLimitAfterItsFirstEvent() {
        ReadTime when = new ReadTime(at(0), WINDOW, LIMIT, LIMIT, null);
        for (long t = 100; t <= 1000; t += 50) {
            when.take(Wake.TASK, at(t), at(t));
        }

        assertThat(ms(when.due())).isEqualTo(100 + SwarmOrchestrator.TASK_BURST.toMillis());
    }

    @Test
    void aContainerEventTheLastReadAlreadyHadCallsForNoRead() {
        // the tasks were read at 400 ms; the second replica's start was received at 290 ms, taken only now
        ReadTime when = new ReadTime(at(410), WINDOW, LIMIT, LIMIT, at(400));

        when.take(Wake.TASK, at(290), at(410));

        assertThat(ms(when.due())).isEqualTo(410 + 250);
        // one received less than the agent's report interval before the read may not be in it
        when.take(Wake.TASK, at(350), at(411));
        assertThat(ms(when.due())).isEqualTo(350 + SwarmOrchestrator.AGENT_REPORT.toMillis());
    }

    @Test
    void aContainersCreationPutsTheReadNoLaterThanWhenARunningTaskCounts() {
        // a running task counts at 300 ms: the re-read time, restarted or not, is no later
        ReadTime when = new ReadTime(at(0), WINDOW, Duration.ofMillis(300), LIMIT, null);

        when.take(Wake.PROGRESS, at(200), at(200));

        assertThat(ms(when.due())).isEqualTo(300);
    }

    /**
     * A container that ends 20 ms before another task counts is read after its report, not at the count time: a read
     * then would still show it running, count the other, and call the job healthy (review of bce3dc3).
     */
    @Test
    void aContainerEventJustBeforeATaskCountsIsReadAfterItsReportAllTheSame() {
        ReadTime when = new ReadTime(at(0), WINDOW, Duration.ofMillis(300), LIMIT, null);

        when.take(Wake.TASK, at(280), at(280));

        assertThat(ms(when.due())).isEqualTo(280 + SwarmOrchestrator.AGENT_REPORT.toMillis());
    }

    @Test
    void nothingPutsTheReadPastTheAwaitsDeadline() {
        ReadTime when = new ReadTime(at(0), WINDOW, LIMIT, Duration.ofMillis(300), null);

        when.take(Wake.PROGRESS, at(200), at(200));
        assertThat(ms(when.due())).isEqualTo(300);
        when.take(Wake.TASK, at(280), at(280));
        assertThat(ms(when.due())).isEqualTo(300);
    }

    /** A watch has no deadline: a container's creation puts its re-read off however late in the window it comes. */
    @Test
    void aWatchsWaitHasNoLimitButItsEvents() {
        ReadTime when = new ReadTime(at(0), WINDOW, null);

        when.take(Wake.PROGRESS, at(240), at(240));

        assertThat(ms(when.due())).isEqualTo(240 + 250);
    }

    @Test
    void aServiceOrNodeEventOrAStreamEndEndsTheWaitAtOnceAndOtherEventsDoNot() {
        ReadTime when = new ReadTime(at(0), WINDOW, LIMIT, LIMIT, null);

        assertThat(when.take(null, at(10), at(10))).isFalse();
        assertThat(when.take(Wake.SERVICE, at(20), at(20))).isTrue();
        assertThat(new ReadTime(at(0), WINDOW, LIMIT, LIMIT, null).take(Wake.NODE, at(20), at(20))).isTrue();
    }
}
