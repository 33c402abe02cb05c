package io.twd.tests.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.AdminClient;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.StatsClient;
import io.twd.tests.support.TwdProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * 50 changes in a row, back to back on one admin connection (each sent as soon as the previous
 * one answered), under light load. Afterwards: every predecessor has exited, the live process
 * has no more file descriptors than the first one had, no handoff socket or candidate config is
 * left, and the stats port (read all along, whichever process serves it) never saw a counter go
 * backwards.
 */
class ChangeSoakTest {
    static final int CHANGES = 50;
    /** The JVM opens a few files lazily (jars, /dev/random...): a little slack, not a leak per change. */
    static final int FD_SLACK = 12;

    @Test
    void fiftyChangesLeaveNothingBehind() throws Exception {
        try (RedisServer r1 = RedisServer.start(); RedisServer r2 = RedisServer.start()) {
            int portA = FreePorts.allocate();
            String yaml = String.join("\n",
                    "A:",
                    "  listen: 127.0.0.1:" + portA,
                    "  redis: true",
                    "  timeout: 4000",
                    "  servers:",
                    "   - " + r1.serverLine(1, "r1"),
                    "   - " + r2.serverLine(1, "r2"),
                    "");
            // C1 only: each of the 51 JVMs starts faster (what is proven here does not depend on
            // the JIT), which keeps this test within its share of CI's time.
            try (LiveDaemon d = LiveDaemon.start(yaml, l -> l.jvmArg("-XX:TieredStopAtLevel=1"), "--drain-timeout", "10");
                 Load load = Load.start(portA, 4, 1);
                 AdminClient admin = AdminClient.connect(d.admin)) {
                load.awaitProgress(20, 20_000);
                int fdsFirst = ProcNet.fdCount(d.pid());
                StatsWatch watch = new StatsWatch(d.twd.statsPort());
                watch.start();
                try {
                    for (int i = 0; i < CHANGES; i++) {
                        d.change(admin, "pool set A timeout=" + (i % 2 == 0 ? 4500 : 4000));
                    }
                    assertEquals("4000", d.poolShow("A").get("timeout").getAsString());
                    d.assertOnlyCurrentRuns(20_000);
                    load.awaitProgress(20, 20_000);
                    LiveDaemon.sleep(300); // one more stats read from the last process alone
                } finally {
                    watch.stop();
                }
                load.stop();
                int fdsLast = ProcNet.fdCount(d.pid());
                List<Long> pids = new ArrayList<>(d.pids);
                String figures = load.summary() + "\n" + LiveDaemon.stats(d.applyMillis) + "\nfds: first process "
                        + fdsFirst + ", last process " + fdsLast + "\nstats reads: " + watch.reads + ", "
                        + watch.first + " -> " + watch.last + " requests";
                System.out.println("ChangeSoakTest: " + figures);

                assertEquals(CHANGES + 1, pids.size());
                for (long pid : pids.subList(0, pids.size() - 1)) {
                    assertTrue(!TwdProcess.isRunning(pid), "predecessor " + pid + " still runs");
                }
                assertEquals(List.of(d.pid()), d.twd.livePids(), "twd processes still running");
                assertTrue(fdsLast <= fdsFirst + FD_SLACK, "fd leak? " + figures);
                assertEquals(List.of(), d.leftoverFiles(), "handoff sockets or candidate configs left behind");
                assertEquals(List.of(), new ArrayList<>(watch.problems), figures);
                assertTrue(watch.reads > CHANGES, "the stats port was read throughout: " + figures);
                assertTrue(watch.last > watch.first, figures);
                assertEquals(0, load.failures(), figures);
                assertEquals(0, load.refused(), figures);
                assertEquals(0, load.reconnects(), figures);
                assertEquals(List.of(), d.twd.leakReports());
            }
        }
    }

    /**
     * Reads the stats port in a loop and checks that the counters never go down: the sum of
     * {@code requests} and {@code responses} over pool A's servers, and {@code total_connections}.
     */
    static final class StatsWatch {
        final int port;
        final AtomicBoolean running = new AtomicBoolean(true);
        final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        final Thread thread;
        volatile long reads;
        volatile long first = -1;
        volatile long last = -1;

        StatsWatch(int port) {
            this.port = port;
            this.thread = new Thread(this::run, "stats-watch");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }

        private void run() {
            long[] prev = null;
            while (running.get()) {
                StatsClient.Stats s;
                try {
                    s = StatsClient.fetch(port);
                } catch (RuntimeException e) {
                    problems.add("stats port: " + e);
                    LiveDaemon.sleep(20);
                    continue;
                }
                long req = 0;
                long resp = 0;
                for (String server : s.servers("A")) {
                    req += s.serverMetric("A", server, "requests");
                    resp += s.serverMetric("A", server, "responses");
                }
                long[] now = {req, resp, s.metric("total_connections")};
                String[] names = {"requests", "responses", "total_connections"};
                if (prev != null) {
                    for (int i = 0; i < now.length; i++) {
                        if (now[i] < prev[i] && problems.size() < 20) {
                            problems.add(names[i] + " went down from " + prev[i] + " to " + now[i]);
                        }
                    }
                }
                prev = now;
                if (first < 0) first = req;
                last = req;
                reads++;
                LiveDaemon.sleep(20);
            }
        }
    }
}
