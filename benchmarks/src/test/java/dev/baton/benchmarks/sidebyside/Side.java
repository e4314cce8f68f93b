package dev.baton.benchmarks.sidebyside;

/**
 * One side of a {@link Comparison}: an operation, timed, and how the backend counts the requests it sent.
 *
 * @param operation what is timed, run once per round
 * @param requests the requests this side sent, counted at the backend
 * @param laps where the operation marks its phases, or null
 */
public record Side(Operation operation, RequestCount requests, Laps laps) {
    public Side(Operation operation, RequestCount requests) {
        this(operation, requests, null);
    }

    /**
     * Baton's side of a deploy + await + undeploy comparison: each round deploys the spec {@code spec} gives for it (not
     * timed), awaits it within {@code timeout} (anything but healthy ends the run), undeploys it, with a lap after each.
     */
    public static Side batonCycle(dev.baton.Orchestrator baton, java.util.function.IntFunction<dev.baton.model.JobSpec> spec,
                                  java.time.Duration timeout, RequestCount requests, Laps laps) {
        return new Side(round -> {
            dev.baton.model.JobSpec s = spec.apply(round);
            return () -> {
                laps.start();
                var deployment = baton.deploy(s);
                laps.lap("deploy");
                var result = deployment.await(timeout);
                laps.lap("await");
                if (result.outcome() != dev.baton.DeploymentResult.Outcome.HEALTHY) {
                    throw new IllegalStateException(s.name() + ": " + result.outcome() + " " + result.message());
                }
                baton.undeploy(s.name());
                laps.lap("undeploy");
            };
        }, requests, laps);
    }

    /** An operation in two parts: what a user has in hand before it starts (not timed), and the part that is timed. */
    @FunctionalInterface
    public interface Operation {
        /**
         * Prepares one run (builds the spec or the native objects, not timed) and answers the timed part. {@code round}
         * numbers the runs of this side, warm-up included, from 0, so that each can name a job of its own.
         */
        Timed prepare(int round) throws Exception;
    }

    /** The timed part of one run. */
    @FunctionalInterface
    public interface Timed {
        void run() throws Exception;
    }

    /** The requests a backend received from one side, as that backend counts them. */
    public interface RequestCount {
        /** Forgets what was received so far (waiting for requests still on their way). */
        void reset() throws Exception;

        /** The requests received since {@link #reset}, waiting for any still on their way (a watch being closed). */
        int count() throws Exception;
    }
}
