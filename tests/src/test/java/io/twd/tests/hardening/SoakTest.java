package io.twd.tests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.twd.protocol.admin.AdminResponse;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.Memc;
import io.twd.tests.support.Memcached;
import io.twd.tests.support.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Consecutive changes under load, of every kind (pool set, reload, upgrade), with a redis and a
 * memcached pool: every change is a handoff to a new process, with the clients' connections
 * moved over. No request may fail, and the process serving after the last change may not hold
 * more file descriptors, threads or memory than the one serving after the third (within the
 * bounds below), nor leave temp files or processes behind.
 *
 * <p>reload/ChangeSoakTest runs 50 pool changes in CI (fds, leftovers, counters); this test adds
 * threads, RSS, memcached and the other kinds of change, and is the 200-change soak in
 * its long mode (about 10 minutes; CI runs 8):
 * {@code mvn -B verify -pl tests -am -Dtest=SoakTest -Dtwd.soak.changes=200 -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class SoakTest {
    private static final int CHANGES = Integer.getInteger("twd.soak.changes", 8);
    /** Allowed growth between the process after change 3 and the one after the last change. */
    private static final int FD_SLACK = 4;
    private static final int THREAD_SLACK = 2;
    private static final long RSS_SLACK_KB = 64 * 1024;

    @Test
    @Timeout(value = 30, unit = java.util.concurrent.TimeUnit.MINUTES)
    void consecutiveChangesUnderLoad() throws Exception {
        Path tmp = Files.createTempDirectory("twd-soak-");
        try (RedisServer r1 = RedisServer.start();
             RedisServer r2 = RedisServer.start();
             Memcached m1 = Memcached.start()) {
            String yaml = String.join("\n",
                "alpha:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  servers:",
                "   - " + r1.serverLine(1, "r1"),
                "   - " + r2.serverLine(1, "r2"),
                "beta:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  servers:",
                "   - " + m1.serverLine(1, "m1"),
                "");
            // A private tmpdir: the handoff socket and candidate files must all be cleaned up.
            // C1 only: each JVM starts faster (as in ChangeSoakTest). A fixed heap: a JVM's RSS
            // otherwise follows how far its heap happened to grow, which says nothing of a leak.
            Map<String, String> env = Map.of("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + tmp
                + " -Dio.netty.native.workdir=" + System.getProperty("java.io.tmpdir")
                + " -XX:TieredStopAtLevel=1 -Xms96m -Xmx96m -XX:MaxDirectMemorySize=128m");
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                keys.add("soak" + i);
            }
            try (LiveTwd twd = LiveTwd.start(yaml, env, "--handoff-timeout", "120");
                 RedisLoad load = new RedisLoad(twd.port("alpha"), 4, keys, false);
                 MemcacheLoad mload = new MemcacheLoad(twd.port("beta"))) {
                load.awaitProgress(200);
                long[] warm = null;
                long start = System.nanoTime();
                for (int i = 1; i <= CHANGES; i++) {
                    String change = i % 7 == 0 ? "upgrade" : i % 4 == 0 ? "reload"
                        : "pool set alpha timeout=" + (1000 + i);
                    AdminResponse r = twd.admin(change);
                    assertTrue(r.ok(), "change " + i + " (" + change + "): " + r + "\n" + twd.logTail());
                    awaitDrained(twd);
                    twd.livePid();
                    load.awaitProgress(50);
                    mload.awaitProgress(20);
                    if (i == 3) {
                        warm = sample(twd.livePid());
                    }
                }
                long[] last = sample(twd.livePid());
                load.stop();
                mload.stop();
                System.out.printf("soak: %d changes in %d s; %d redis and %d memcached round trips;"
                        + " fds %d -> %d, threads %d -> %d, RSS %d -> %d MB%n", CHANGES,
                    (System.nanoTime() - start) / 1_000_000_000L, load.ok(), mload.ok(),
                    warm[0], last[0], warm[1], last[1], warm[2] / 1024, last[2] / 1024);
                assertEquals(List.of(), load.failures());
                assertEquals(List.of(), mload.failures());
                assertTrue(last[0] <= warm[0] + FD_SLACK, "fds " + warm[0] + " -> " + last[0]);
                assertTrue(last[1] <= warm[1] + THREAD_SLACK, "threads " + warm[1] + " -> " + last[1]);
                assertTrue(last[2] <= warm[2] + RSS_SLACK_KB, "RSS " + warm[2] + " -> " + last[2] + " kB");
                JsonObject st = status(twd);
                assertEquals(CHANGES + 1, st.get("generation").getAsLong());
                long pid = twd.livePid();
                assertEquals(0, ProcessHandle.of(pid).orElseThrow().descendants().count());
                for (long old : twd.leftoverPredecessors(pid)) {
                    assertTrue(LiveTwd.awaitExit(old, Duration.ofSeconds(15)), "predecessor " + old + " still runs");
                }
                try (Stream<Path> left = Files.list(tmp)) {
                    assertEquals(List.of(), left.map(Path::toString).toList(), "temp files left behind");
                }
                assertEquals(List.of(), twd.logLines("LEAK:"), "Netty leak reports");
            }
        } finally {
            try (Stream<Path> left = Files.list(tmp)) {
                left.forEach(p -> p.toFile().delete());
            }
            Files.deleteIfExists(tmp);
        }
    }

    /** fds, threads, RSS (kB) of {@code pid}. */
    private static long[] sample(long pid) {
        return new long[] {LiveTwd.fds(pid), LiveTwd.threads(pid), LiveTwd.rssKb(pid)};
    }

    private static JsonObject status(LiveTwd twd) {
        AdminResponse r = twd.admin("status");
        assertTrue(r.ok(), r.toString());
        return JsonParser.parseString(String.join("\n", r.body())).getAsJsonObject();
    }

    /** Until the process that handed over has finished draining (and exited). */
    private static void awaitDrained(LiveTwd twd) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (status(twd).getAsJsonArray("draining").size() > 0) {
            assertTrue(System.nanoTime() < deadline, "still draining after 60 s\n" + twd.logTail());
            LiveTwd.sleep(20);
        }
    }

    /** One memcached client looping set/get on its own key. */
    static final class MemcacheLoad implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong ok = new AtomicLong();
        private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;

        MemcacheLoad(int port) {
            thread = new Thread(() -> {
                try (Memc m = Memc.connect("127.0.0.1", port)) {
                    for (long n = 0; running.get(); n++) {
                        String v = "v" + n;
                        String stored = m.set("mk", v);
                        String got = m.get("mk").get("mk");
                        if (!"STORED".equals(stored) || !v.equals(got)) {
                            failures.add(n + ": " + stored + " / " + got);
                        } else {
                            ok.incrementAndGet();
                        }
                    }
                } catch (RuntimeException e) {
                    if (running.get()) {
                        failures.add("connection: " + e);
                    }
                }
            }, "memcache-load");
            thread.setDaemon(true);
            thread.start();
        }

        long ok() {
            return ok.get();
        }

        List<String> failures() {
            synchronized (failures) {
                return new ArrayList<>(failures);
            }
        }

        void awaitProgress(long more) {
            long target = ok.get() + more;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (ok.get() < target) {
                assertTrue(System.nanoTime() < deadline, "memcache load made no progress: " + failures());
                LiveTwd.sleep(5);
            }
        }

        void stop() {
            running.set(false);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            stop();
        }
    }
}
