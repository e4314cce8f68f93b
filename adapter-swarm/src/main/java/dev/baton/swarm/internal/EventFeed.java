package dev.baton.swarm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.OrchestratorException;
import dev.baton.PlatformUnavailableException;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One {@code GET /events} request held open for as long as its reader wants it, without {@code until}: a thread of its
 * own reads the engine's events into a queue, from which {@link #next} takes them with a timeout. So a wait that
 * ends, on an event or on its timeout, leaves the request open for the next one, and no event that arrives between
 * two waits (while the reader reads the job's state) is lost or asked for again. {@link #close} aborts the request.
 *
 * @see Engine#stream(String, String, Map, java.util.function.Consumer, java.util.function.Predicate)
 */
public final class EventFeed implements AutoCloseable {
    /**
     * What {@link #next} took: an event (with the moment this machine received it, {@link System#nanoTime()}), the end
     * of the stream (with its cause, if any), or nothing within the timeout.
     */
    public record Next(JsonNode event, long receivedNanos, boolean ended, OrchestratorException cause) {
        static final Next NOTHING = new Next(null, 0, false, null);
    }

    private final BlockingQueue<Next> queue = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    private Closeable response;
    private boolean closed;
    private final Thread reader;

    /** Opens the stream of {@code query} ({@code since}, {@code filters}) in a daemon thread named {@code threadName}. */
    public EventFeed(Engine engine, String what, Map<String, String> query, String threadName) {
        reader = new Thread(() -> read(engine, what, query), threadName);
        reader.setDaemon(true);
        reader.start();
    }

    private void read(Engine engine, String what, Map<String, String> query) {
        OrchestratorException cause = null;
        try {
            engine.stream(what, "/events", query, this::opened, e -> {
                synchronized (lock) {
                    if (closed) {
                        return false;
                    }
                }
                queue.add(new Next(e, System.nanoTime(), false, null));
                return true;
            });
        } catch (OrchestratorException e) {
            cause = e;
        } catch (RuntimeException e) {
            cause = PlatformUnavailableException.of(Engine.PLATFORM, what + ": " + e, e);
        }
        queue.add(new Next(null, System.nanoTime(), true, cause));
    }

    private void opened(Closeable r) {
        boolean abort;
        synchronized (lock) {
            response = r;
            abort = closed;
        }
        if (abort) {
            quietly(r);
        }
    }

    /**
     * The next event within {@code timeout}; {@link Next#ended()} once the stream has ended (the engine ended it, it
     * broke off, or the engine refused it: {@link Next#cause()}), after which there is nothing more to take.
     */
    public Next next(Duration timeout) throws InterruptedException {
        Next n = queue.poll(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        if (n == null) {
            return Next.NOTHING;
        }
        if (n.ended()) {
            queue.add(n); // it stays the last word
        }
        return n;
    }

    /** Aborts the request; the reading thread ends at once. */
    @Override
    public void close() {
        Closeable r;
        synchronized (lock) {
            closed = true;
            r = response;
        }
        if (r != null) {
            quietly(r);
        }
        reader.interrupt();
    }

    private static void quietly(Closeable r) {
        try {
            r.close();
        } catch (IOException | RuntimeException ignored) {
            // aborting
        }
    }
}
