package dev.baton.local.internal;

/**
 * The supervisor's change counter: every change to any job increments it, and long-polling clients block on it
 * until it moves. It has its own monitor, held only for the increment or the wait, never while a job is locked
 * by the waiter.
 */
final class Changes {
    private long seq;
    private boolean closed;

    synchronized long bump() {
        seq++;
        notifyAll();
        return seq;
    }

    synchronized long current() {
        return seq;
    }

    synchronized long await(long since, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (seq <= since && !closed) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return seq;
    }

    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
