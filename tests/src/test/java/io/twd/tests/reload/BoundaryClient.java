package io.twd.tests.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client whose connection twd is about to close (its pool deleted, or twd stopping): pipelines
 * of 8 {@code INCR} on one counter, one write each, without pause. The connection must be closed
 * only at a request boundary: every pipeline either fully answered or not at all, and the counter
 * on the backend equal to the increments answered (nothing ran that was not answered, nothing
 * answered that did not run).
 */
final class BoundaryClient implements AutoCloseable {
    private static final AtomicLong SEQ = new AtomicLong();
    final String key = "boundary:" + System.nanoTime() + ":" + SEQ.incrementAndGet();
    final Resp conn;
    final AtomicLong acked = new AtomicLong();
    final AtomicReference<String> end = new AtomicReference<>();
    final AtomicReference<String> problem = new AtomicReference<>();
    final Thread thread;

    BoundaryClient(int port) {
        conn = Resp.connect(port);
        thread = new Thread(this::run, "boundary-client");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 8; i++) b.writeBytes(Resp.encode("INCR", key));
        byte[] pipeline = b.toByteArray();
        while (true) {
            try {
                conn.sendRaw(pipeline); // one write: the proxy reads all 8 or none
            } catch (UncheckedIOException e) {
                end.set("closed at a pipeline boundary");
                return;
            }
            int got = 0;
            try {
                for (; got < 8; got++) {
                    Object r = conn.read();
                    long want = acked.get() + 1;
                    if (!Long.valueOf(want).equals(r)) {
                        problem.compareAndSet(null, "reply " + got + " of a pipeline: want " + want + ", got " + r);
                        return;
                    }
                    acked.incrementAndGet();
                }
            } catch (UncheckedIOException e) {
                end.set(got == 0 ? "closed at a pipeline boundary" : "closed after " + got + " of 8 replies: " + e);
                if (got != 0) problem.compareAndSet(null, end.get());
                return;
            }
        }
    }

    void awaitAcked(long n, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (acked.get() < n) {
            if (System.currentTimeMillis() > deadline || !thread.isAlive()) {
                throw new AssertionError("deleted-pool client: " + summary());
            }
            LiveDaemon.sleep(5);
        }
    }

    void awaitClosed(long timeoutMillis) throws InterruptedException {
        thread.join(timeoutMillis);
        assertTrue(!thread.isAlive(), "the connection of the deleted pool was not closed: " + summary());
        assertEquals(null, problem.get(), summary());
        assertEquals("closed at a pipeline boundary", end.get(), summary());
    }

    /** The backends (the key is on one of them) ran exactly the increments that were answered. */
    void assertAllAcknowledgedRan(RedisServer... backends) {
        long ran = 0;
        for (RedisServer b : backends) {
            try (Resp direct = b.client()) {
                Object v = direct.call("GET", key);
                if (v != null) ran += Long.parseLong((String) v);
            }
        }
        assertEquals(acked.get(), ran, "INCRs run vs answered: " + summary());
    }

    String summary() {
        return acked.get() + " INCRs answered, " + (end.get() == null ? "still open" : end.get())
                + (problem.get() == null ? "" : ", PROBLEM: " + problem.get());
    }

    @Override
    public void close() {
        conn.close();
    }
}
