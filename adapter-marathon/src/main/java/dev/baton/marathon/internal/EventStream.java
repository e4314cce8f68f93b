package dev.baton.marathon.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * Follows Marathon's server-sent events ({@code /v2/events}, filtered by event type) on a thread of its own and
 * wakes waiters on every event; a dropped stream is opened again.
 */
public final class EventStream implements AutoCloseable {
    private final MarathonClient client;
    private final List<String> types;
    private final Object signal = new Object();
    private final Thread reader;
    private volatile boolean closed;
    private volatile Response response;
    private long events;

    public EventStream(MarathonClient client, List<String> types) {
        this.client = client;
        this.types = List.copyOf(types);
        this.reader = new Thread(this::run, "baton-marathon-events");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    private void run() {
        while (!closed) {
            var url = client.base().newBuilder().encodedPath("/v2/events");
            types.forEach(t -> url.addQueryParameter("event_type", t));
            Request request = client.request(url.build()).header("Accept", "text/event-stream").build();
            try (Response r = client.http().newBuilder().readTimeout(0, TimeUnit.MILLISECONDS).build().newCall(request).execute()) {
                response = r;
                if (!r.isSuccessful() || r.body() == null) {
                    pause();
                    continue;
                }
                BufferedSource source = r.body().source();
                String line;
                while (!closed && (line = source.readUtf8Line()) != null) {
                    if (line.startsWith("event:") && !line.contains("event_stream_attached")) {
                        wake();
                    }
                }
            } catch (IOException e) {
                pause();
            }
            // the stream ended or dropped: wake waiters so they re-read the state, then reconnect
            wake();
        }
    }

    private void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            closed = true;
        }
    }

    private void wake() {
        synchronized (signal) {
            events++;
            signal.notifyAll();
        }
    }

    /** Waits for the next event (or a reconnect) after {@code seen}, at most {@code millis}; returns the count. */
    public long await(long seen, long millis) throws InterruptedException {
        synchronized (signal) {
            long until = System.currentTimeMillis() + millis;
            while (events == seen && !closed) {
                long left = until - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                signal.wait(left);
            }
            return events;
        }
    }

    public long count() {
        synchronized (signal) {
            return events;
        }
    }

    @Override
    public void close() {
        closed = true;
        Response r = response;
        if (r != null) {
            r.close();
        }
        reader.interrupt();
    }
}
