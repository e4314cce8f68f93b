package dev.baton;

/**
 * A registration for events; closing it stops delivery.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
