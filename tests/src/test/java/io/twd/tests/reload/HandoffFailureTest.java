package io.twd.tests.reload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.twd.protocol.admin.AdminResponse;
import io.twd.tests.support.AdminClient;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.TwdProcess;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A change that cannot be applied leaves the daemon exactly as it was: same process, same
 * generation, config file byte for byte, serving under load without a single failed request; and
 * a successor that was started for it is gone. Covers changes refused before any process starts
 * (bad key, bad value) and successors that fail: a bind error, death at each handoff step
 * ({@code TWD_HANDOFF_FAULT}), and a successor that hangs past {@code --handoff-timeout}.
 */
class HandoffFailureTest {
    static RedisServer r1;
    static RedisServer r2;

    @BeforeAll
    static void backends() {
        r1 = RedisServer.start();
        r2 = RedisServer.start();
    }

    @AfterAll
    static void stopBackends() {
        if (r1 != null) r1.close();
        if (r2 != null) r2.close();
    }

    static String yaml(int portA) {
        return String.join("\n",
                "# HandoffFailureTest: this comment must survive every failed change",
                "A:",
                "  listen: 127.0.0.1:" + portA,
                "  redis: true",
                "  timeout: 4000",
                "  servers:",
                "   - " + r1.serverLine(1, "r1"),
                "   - " + r2.serverLine(1, "r2"),
                "");
    }

    @Test
    void rejectedChangesLeaveTheDaemonUntouched() throws Exception {
        int portA = FreePorts.allocate();
        try (LiveDaemon d = LiveDaemon.start(yaml(portA));
             Load load = Load.start(portA, 8, 2)) {
            load.awaitProgress(10, 20_000);
            Snapshot before = Snapshot.of(d);

            // Refused before any process starts: the grammar, then nutcracker's rules.
            assertRejected(d, before, load, "pool set A foo=1", "foo");
            assertRejected(d, before, load, "pool set A hash=md6", "hash");
            assertRejected(d, before, load, "pool set A timeout=soon", "timeout");
            assertRejected(d, before, load, "pool set A server-=nosuch", "nosuch");
            assertRejected(d, before, load, "pool del nosuch", "nosuch");
            assertRejected(d, before, load, "pool add A listen=127.0.0.1:" + FreePorts.allocate()
                    + " server=" + r1.serverLine(1, null), "exists");
            assertEquals(List.of(d.twd.pid()), d.twd.pidsSeen(), "no successor was started for those");

            // A successor that cannot bind the new pool's port: it fails, the old process serves on.
            try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                String reason = assertRejected(d, before, load, "pool add B listen=127.0.0.1:" + busy.getLocalPort()
                        + " redis=true server=" + r1.serverLine(1, null), "bind");
                assertTrue(reason.contains(Integer.toString(busy.getLocalPort())), reason);
                assertTrue(reason.contains("Address already in use"), reason);
            }
            assertSuccessorsGone(d, 1);

            // After all that, a good change still applies.
            d.change("pool set A timeout=4500");
            load.awaitProgress(5, 20_000);
            assertEquals("4500", d.poolShow("A").get("timeout").getAsString());
            d.assertOnlyCurrentRuns(15_000);

            load.stop();
            System.out.println("HandoffFailureTest (rejected changes): " + load.summary());
            assertClean(load, d);
        }
    }

    @Test
    void successorDyingAfterHello() throws Exception {
        failingSuccessor("after-hello", "exited");
    }

    @Test
    void successorDyingBeforeReady() throws Exception {
        failingSuccessor("before-ready", "exited");
    }

    /**
     * The successor hangs holding the listening sockets it was given (not accepting on them yet):
     * after {@code --handoff-timeout} it is killed, and no connection was lost meanwhile. The
     * timeout leaves a JVM enough time to start even on a busy machine, so that the hang, not a
     * slow start, is what times out.
     */
    @Test
    void successorHangingPastTheHandoffTimeout() throws Exception {
        String reason = failingSuccessor("hang-before-ready", "timeout", false, "--handoff-timeout", "10");
        assertTrue(reason.contains("did not say READY"), "the successor hung where told to: " + reason);
    }

    private String failingSuccessor(String fault, String expected, String... extraArgs) throws Exception {
        return failingSuccessor(fault, expected, true, extraArgs);
    }

    /** Returns the reason of the first failure. */
    private String failingSuccessor(String fault, String expected, boolean alsoUpgrade, String... extraArgs) throws Exception {
        int portA = FreePorts.allocate();
        try (LiveDaemon d = LiveDaemon.start(yaml(portA), l -> l.env("TWD_HANDOFF_FAULT", fault), extraArgs);
             Load load = Load.start(portA, 8, 2)) {
            load.awaitProgress(10, 20_000);
            Snapshot before = Snapshot.of(d);
            long t0 = System.nanoTime();
            String reason = assertRejected(d, before, load, "pool set A timeout=4321", expected);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertSuccessorsGone(d, 1);
            if (alsoUpgrade) {
                assertRejected(d, before, load, "upgrade", expected);
                assertSuccessorsGone(d, 2);
            }
            load.awaitProgress(10, 20_000);
            load.stop();
            System.out.println("HandoffFailureTest (" + fault + "): first failure answered in " + ms + " ms; "
                    + load.summary());
            assertClean(load, d);
            return reason;
        }
    }

    /**
     * The old process dies (SIGKILL) while it still drains a connection that never reaches a
     * request boundary (its backend never answers): the new process carries on alone, notes that
     * the report never came, applies the next change at once, and no handoff socket is left in
     * the temp directory (the successor removes it as soon as it has connected).
     */
    @Test
    void predecessorKilledWhileDraining() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept()); // accepts, reads nothing, answers nothing
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "silent-backend");
            acceptor.setDaemon(true);
            acceptor.start();
            int portA = FreePorts.allocate();
            int portQ = FreePorts.allocate();
            String yaml = yaml(portA) + String.join("\n",
                    "Q:",
                    "  listen: 127.0.0.1:" + portQ,
                    "  redis: true",
                    "  timeout: 600000",
                    "  servers:",
                    "   - 127.0.0.1:" + silent.getLocalPort() + ":1 silent",
                    "");
            try (LiveDaemon d = LiveDaemon.start(yaml, "--drain-timeout", "60");
                 Load load = Load.start(portA, 8, 2);
                 Resp stuck = Resp.connect(portQ)) {
                load.awaitProgress(10, 20_000);
                stuck.send("GET", "never-answered");
                long until = System.currentTimeMillis() + 10_000;
                while (held.isEmpty() && System.currentTimeMillis() < until) LiveDaemon.sleep(10);
                assertFalse(held.isEmpty(), "twd connected to the silent backend");

                long old = d.pid();
                d.change("pool set A timeout=4500");
                LiveDaemon.sleep(1000);
                assertTrue(TwdProcess.isRunning(old), "the old process still drains the stuck connection");
                JsonObject status = AdminClient.json(d.admin("status"));
                assertEquals(old, status.getAsJsonArray("draining").get(0).getAsJsonObject().get("pid").getAsLong());
                assertEquals(List.of(), d.leftoverFiles(), "the handoff socket's file is gone once the successor connected");

                SignalsTest.signal(old, "KILL");
                d.awaitExit(old, 10_000);
                assertTrue(stuck.isClosedByPeer(java.time.Duration.ofSeconds(5)), "the stuck connection died with its process");
                long deadline = System.currentTimeMillis() + 10_000;
                JsonObject last = null;
                while (System.currentTimeMillis() < deadline) {
                    status = AdminClient.json(d.admin("status"));
                    last = status.getAsJsonObject("last_handoff");
                    if (last != null && status.getAsJsonArray("draining").isEmpty()) break;
                    LiveDaemon.sleep(50);
                }
                assertTrue(last != null && last.has("error"), "the report never came: " + status);

                long t0 = System.nanoTime();
                d.change("pool set A timeout=4000"); // no predecessor to wait for any more
                long ms = (System.nanoTime() - t0) / 1_000_000;
                load.awaitProgress(10, 20_000);
                d.assertOnlyCurrentRuns(15_000);
                load.stop();
                System.out.println("HandoffFailureTest (predecessor killed while draining): next change in " + ms
                        + " ms; " + load.summary());
                assertClean(load, d);
            }
        }
    }

    /** What must not change when a change fails. */
    record Snapshot(long pid, long generation, byte[] config, String poolA) {
        static Snapshot of(LiveDaemon d) {
            JsonObject status = AdminClient.json(d.admin("status"));
            return new Snapshot(status.get("pid").getAsLong(), status.get("generation").getAsLong(),
                    d.configBytes(), d.poolShow("A").toString());
        }
    }

    /** Sends {@code line}, expects {@code ERR} mentioning {@code expected}, then checks nothing changed. */
    private static String assertRejected(LiveDaemon d, Snapshot before, Load load, String line, String expected) {
        AdminResponse r = d.admin(line);
        assertFalse(r.ok(), "'" + line + "' must be rejected, got OK " + r.text());
        String reason = r.text() + (r.body().isEmpty() ? "" : " " + String.join(" ", r.body()));
        assertTrue(reason.toLowerCase(Locale.ROOT).contains(expected.toLowerCase(Locale.ROOT)),
                "'" + line + "': the reason should mention '" + expected + "': ERR " + reason);
        System.out.println("HandoffFailureTest: '" + line + "' -> ERR " + reason);
        Snapshot after = Snapshot.of(d);
        assertEquals(before.pid(), after.pid(), "same process after '" + line + "'");
        assertEquals(before.generation(), after.generation(), "same generation after '" + line + "'");
        assertArrayEquals(before.config(), after.config(), "config file untouched by '" + line + "'");
        assertEquals(before.poolA(), after.poolA(), "pool A unchanged by '" + line + "'");
        assertTrue(TwdProcess.isRunning(before.pid()));
        load.awaitProgress(3, 20_000);
        try (Resp c = Resp.connect(d.twd.port("A"))) {
            assertEquals("PONG", c.call("PING"));
        }
        assertEquals(0, load.failures(), load.summary());
        return reason;
    }

    /** {@code n} successors were started (the log names them) and none of them runs any more. */
    private static void assertSuccessorsGone(LiveDaemon d, int n) {
        List<Long> successors = new ArrayList<>(d.twd.pidsSeen());
        successors.remove(d.twd.pid());
        assertEquals(n, successors.size(), "successors started: " + successors + "\n" + d.logTail());
        for (long pid : successors) {
            d.awaitExit(pid, 10_000);
        }
        assertEquals(List.of(d.twd.pid()), d.twd.livePids());
        assertEquals(List.of(), d.leftoverFiles(), "handoff sockets and candidate configs removed");
    }

    private static void assertClean(Load load, LiveDaemon d) {
        assertEquals(0, load.failures(), load.summary());
        assertEquals(0, load.refused(), load.summary());
        assertEquals(0, load.reconnects(), load.summary());
        assertEquals(List.of(), new ArrayList<>(load.movedPorts().keySet()));
        assertEquals(List.of(), d.leftoverFiles());
        assertEquals(List.of(), d.twd.leakReports());
    }
}
