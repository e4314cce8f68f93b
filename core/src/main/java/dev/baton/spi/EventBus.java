package dev.baton.spi;

import dev.baton.Subscription;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to listeners in the order published. A listener that throws is logged and keeps its place;
 * it never stops delivery to the others.
 *
 * @param <E> the event type
 * @since 0.1
 */
public final class EventBus<E> {
    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);

    private final List<Consumer<? super E>> listeners = new CopyOnWriteArrayList<>();

    public Subscription subscribe(Consumer<? super E> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public void publish(E event) {
        for (Consumer<? super E> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("event listener failed on {}", event, e);
            }
        }
    }

    public boolean hasListeners() {
        return !listeners.isEmpty();
    }
}
