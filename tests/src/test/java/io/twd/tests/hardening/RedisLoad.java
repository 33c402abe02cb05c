package io.twd.tests.hardening;

import io.twd.tests.support.Resp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Well-behaved clients hammering a redis pool: each thread has its own connection and loops over
 * its keys with SET then GET (checking the value it wrote), optionally several requests per
 * write. Every failure is kept with its key and text; {@link #stop()} ends the run.
 */
final class RedisLoad implements AutoCloseable {
    /** A request that did not get the expected reply. */
    record Failure(String key, String what) {
    }

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong ok = new AtomicLong();
    private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());

    /**
     * @param keys each thread uses its own slice of these keys
     * @param reconnect whether a thread opens a new connection after one is lost (else it stops)
     */
    RedisLoad(int port, int clients, List<String> keys, boolean reconnect) {
        for (int t = 0; t < clients; t++) {
            List<String> mine = new ArrayList<>();
            for (int i = t; i < keys.size(); i += clients) {
                mine.add(keys.get(i));
            }
            Thread thread = new Thread(() -> run(port, mine, reconnect), "load-" + t);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    private void run(int port, List<String> keys, boolean reconnect) {
        long n = 0;
        while (running.get()) {
            try (Resp c = Resp.connect("127.0.0.1", port)) {
                while (running.get()) {
                    String key = keys.get((int) (n % keys.size()));
                    String value = key + ":" + n++;
                    Object set = c.call("SET", key, value);
                    if (!"OK".equals(set)) {
                        failures.add(new Failure(key, "SET: " + set));
                        continue;
                    }
                    Object get = c.call("GET", key);
                    if (!value.equals(get)) {
                        failures.add(new Failure(key, "GET: " + get));
                        continue;
                    }
                    ok.incrementAndGet();
                }
            } catch (RuntimeException e) {
                if (running.get()) {
                    failures.add(new Failure(null, "connection: " + e));
                }
                if (!reconnect) {
                    return;
                }
                LiveTwd.sleep(20);
            }
        }
    }

    long ok() {
        return ok.get();
    }

    List<Failure> failures() {
        synchronized (failures) {
            return new ArrayList<>(failures);
        }
    }

    /** Waits until at least {@code more} further round trips succeeded (or throws after 30 s). */
    void awaitProgress(long more) {
        long target = ok.get() + more;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (ok.get() < target) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("load made no progress: " + ok.get() + " ok, failures " + failures());
            }
            LiveTwd.sleep(5);
        }
    }

    void stop() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
