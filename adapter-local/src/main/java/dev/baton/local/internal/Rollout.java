package dev.baton.local.internal;

import java.util.UUID;

/** A deploy, scale or rollback of a job, in progress ({@code outcome == null}) or ended. */
final class Rollout {
    static final String HEALTHY = "HEALTHY";
    static final String COMPLETED = "COMPLETED";
    static final String FAILED = "FAILED";
    static final String ROLLED_BACK = "ROLLED_BACK";
    static final String CANCELLED = "CANCELLED";

    final String id;
    final String kind;
    volatile String outcome;
    volatile String message;
    volatile boolean cancelled;

    Rollout(String kind) {
        this(kind + "-" + UUID.randomUUID().toString().substring(0, 8), kind, null, null);
    }

    Rollout(String id, String kind, String outcome, String message) {
        this.id = id;
        this.kind = kind;
        this.outcome = outcome;
        this.message = message;
    }
}
