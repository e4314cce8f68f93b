package dev.baton.spi;

import io.vavr.control.Try;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries with exponential backoff and full jitter, bounded in attempts and in total time, for requests that are
 * safe to repeat. A request that is not safe to repeat runs once, whatever the failure.
 *
 * @since 0.1
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxTotal) {
    private static final Logger LOG = LoggerFactory.getLogger(RetryPolicy.class);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** 4 attempts, 200 ms doubling to at most 5 s, 30 s in all. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(4, Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    /** One attempt: no retries. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    /** Whether a request may be retried: safe to repeat, or known not to have reached the server. */
    public enum Safety {
        IDEMPOTENT,
        NOT_IDEMPOTENT
    }

    /**
     * Runs {@code call}, retrying failures that {@code retryable} accepts when {@code safety} allows it.
     * The last failure is rethrown (unchecked as is, checked wrapped by {@code wrap}).
     */
    public <T> T execute(String what, Safety safety, Callable<T> call, Predicate<Throwable> retryable) {
        long deadline = System.nanoTime() + maxTotal.toNanos();
        int attempts = safety == Safety.IDEMPOTENT ? maxAttempts : 1;
        Throwable last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Try<T> result = Try.of(call::call);
            if (result.isSuccess()) {
                return result.get();
            }
            last = result.getCause();
            if (attempt == attempts || !retryable.test(last)) {
                break;
            }
            long sleep = backoff(attempt).toNanos();
            if (System.nanoTime() + sleep > deadline) {
                break;
            }
            LOG.debug("{} failed (attempt {} of {}), retrying in {} ms: {}", what, attempt, attempts, sleep / 1_000_000, last.toString());
            try {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (last instanceof RuntimeException re) {
            throw re;
        }
        if (last instanceof Error err) {
            throw err;
        }
        throw new RetryExhaustedException(what, last);
    }

    /** The pause before attempt {@code attempt + 1}: a random time up to min(max, initial * 2^(attempt-1)). */
    public Duration backoff(int attempt) {
        long cap = Math.min(maxBackoff.toNanos(), initialBackoff.toNanos() << Math.min(attempt - 1, 20));
        return cap <= 0 ? Duration.ZERO : Duration.ofNanos(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
    }

    /** A checked failure that outlived its retries; the cause is the last failure. */
    public static final class RetryExhaustedException extends RuntimeException {
        RetryExhaustedException(String what, Throwable cause) {
            super(what + ": " + cause, cause);
        }
    }
}
