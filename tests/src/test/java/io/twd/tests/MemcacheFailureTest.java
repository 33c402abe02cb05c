package io.twd.tests;

import static io.twd.tests.MemcacheWire.store;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.Memc;
import io.twd.tests.support.Memcached;
import io.twd.tests.support.StatsClient;
import io.twd.tests.support.TwdProcess;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Backend failures in memcache pools: a memcached killed mid-run (its keys get
 * {@code SERVER_ERROR <strerror>}, the others are fine, a multi-get touching it fails as a whole
 * and the connection stays open), ejection with {@code auto_eject_hosts}, and timeouts against
 * a server that never answers.
 */
class MemcacheFailureTest {
    private static Memcached mc1;
    private static Memcached mc2;
    private static Memcached mc3;
    /** Accepts connections (the kernel does, into the backlog) and never answers. */
    private static ServerSocket blackHole;
    private static TwdProcess twd;

    @BeforeAll
    static void start() throws Exception {
        mc1 = Memcached.start();
        mc2 = Memcached.start();
        mc3 = Memcached.start();
        blackHole = new ServerSocket();
        blackHole.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), FreePorts.allocate()), 50);
        String servers = String.join("\n",
            "  servers:",
            "   - " + mc1.serverLine(1, "mc1"),
            "   - " + mc2.serverLine(1, "mc2"),
            "   - " + mc3.serverLine(1, "mc3"),
            "");
        twd = TwdProcess.start(String.join("\n",
            "fail:",
            "  listen: 127.0.0.1:" + FreePorts.allocate(),
            "  hash: md5",
            "  timeout: 2000",
            servers,
            "eject:",
            "  listen: 127.0.0.1:" + FreePorts.allocate(),
            "  hash: md5",
            "  timeout: 2000",
            "  auto_eject_hosts: true",
            "  server_failure_limit: 1",
            "  server_retry_timeout: 60000",
            servers,
            "slow:",
            "  listen: 127.0.0.1:" + FreePorts.allocate(),
            "  timeout: 300",
            "  servers:",
            "   - 127.0.0.1:" + blackHole.getLocalPort() + ":1 hole",
            ""));
    }

    @AfterAll
    static void stop() throws Exception {
        List<String> leaks = twd == null ? List.of() : twd.leakReports();
        for (AutoCloseable c : new AutoCloseable[] {twd, mc1, mc2, mc3, blackHole}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // keep stopping the others
                }
            }
        }
        assertEquals(List.of(), leaks, "netty leak reports in the twd log");
    }

    private static boolean onMc2(String key) {
        try (Memc direct = mc2.client()) {
            return !direct.get(key).isEmpty();
        }
    }

    @Test
    void aKilledBackendFailsOnlyItsKeys() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            keys.add("kill:" + i);
        }
        List<Boolean> dead = new ArrayList<>();
        try (Memc c = twd.memcache("fail")) {
            for (String k : keys) {
                assertEquals("STORED", c.set(k, "v" + k));
            }
            for (String k : keys) {
                dead.add(onMc2(k));
            }
            assertTrue(dead.contains(true) && dead.contains(false), "keys on mc2 and elsewhere: " + dead);

            assertEquals(137, mc2.kill(), "killed by pid");
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < keys.size(); i++) {
                    String k = keys.get(i);
                    String reply = MemcacheWire.read(c.send("get " + k), MemcacheWire.Kind.RETRIEVAL);
                    if (dead.get(i)) {
                        // The open connection sees a reset, a new one is refused.
                        assertTrue(reply.equals("SERVER_ERROR Connection refused\r\n")
                            || reply.equals("SERVER_ERROR Connection reset by peer\r\n"), k + ": " + reply);
                    } else {
                        assertEquals("VALUE " + k + " 0 " + ("v" + k).length() + "\r\nv" + k + "\r\nEND\r\n", reply);
                    }
                }
            }
            // A multi-get touching the dead server fails as a whole, with one error line...
            assertEquals("SERVER_ERROR Connection refused\r\n",
                MemcacheWire.read(c.send("get " + String.join(" ", keys)), MemcacheWire.Kind.RETRIEVAL));
            // ...and the connection stays open: twd does not close it as twemproxy does.
            String alive = keys.get(dead.indexOf(false));
            assertEquals(1, c.get(alive).size());
            // Writes to it fail the same way; noreply ones are lost silently and block nothing.
            String deadKey = keys.get(dead.indexOf(true));
            assertEquals(List.of("SERVER_ERROR Connection refused\r\n", "", "STORED\r\n", "MN\r\n"),
                MemcacheWire.pipelined(c, List.of(store("set", deadKey, 0, "x", false),
                    store("set", deadKey, 0, "x", true), store("set", alive, 0, "y", false), "mn\r\n")));
            assertEquals("SERVER_ERROR Connection refused", c.call("mg " + deadKey + " v"));
            assertFalse(c.isClosedByPeer(Duration.ofMillis(100)));
        }
        StatsClient.Stats stats = twd.stats();
        assertTrue(stats.poolMetric("fail", "forward_error") > 0, stats.raw());
        assertEquals(0, stats.poolMetric("fail", "server_ejects"));

        // Back on the same port (empty): its keys are simply missing, no error.
        mc2.restart();
        String deadKey = keys.get(dead.indexOf(true));
        boolean served = false;
        for (int attempt = 0; attempt < 50 && !served; attempt++) {
            try (Memc c = twd.memcache("fail")) {
                served = MemcacheWire.read(c.send("get " + deadKey), MemcacheWire.Kind.RETRIEVAL).equals("END\r\n");
            }
            sleep(100);
        }
        assertTrue(served, "mc2 is used again once it is back");
    }

    @Test
    void anEjectedBackendIsRoutedAround() {
        try (Memc c = twd.memcache("eject")) {
            String onMc2 = null;
            for (int i = 0; onMc2 == null; i++) {
                String k = "eject:" + i;
                assertEquals("STORED", c.set(k, "v"));
                if (onMc2(k)) {
                    onMc2 = k;
                }
            }
            int port = mc2.port();
            mc2.kill();
            try {
                // The first failure ejects mc2 (server_failure_limit: 1): the open connection's
                // close already counts, else the first request's error does. After that its keys
                // go to the other servers: missing, but no error.
                String first = MemcacheWire.read(c.send("get " + onMc2), MemcacheWire.Kind.RETRIEVAL);
                assertTrue(first.equals("END\r\n") || first.startsWith("SERVER_ERROR Connection"), first);
                String reply = "";
                for (int attempt = 0; attempt < 20; attempt++) {
                    reply = MemcacheWire.read(c.send("get " + onMc2), MemcacheWire.Kind.RETRIEVAL);
                    if (reply.equals("END\r\n")) {
                        break;
                    }
                    sleep(50);
                }
                assertEquals("END\r\n", reply);
                assertEquals("STORED", c.set(onMc2, "elsewhere"));
                assertEquals("elsewhere", c.get(onMc2).get(onMc2));
                assertTrue(twd.stats().poolMetric("eject", "server_ejects") >= 1);
            } finally {
                mc2.restart();
                assertEquals(port, mc2.port());
            }
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOut() {
        try (Memc c = twd.memcache("slow")) {
            long start = System.nanoTime();
            assertEquals("SERVER_ERROR Connection timed out\r\n",
                MemcacheWire.read(c.send("get a b c"), MemcacheWire.Kind.RETRIEVAL));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 250 && millis < 3000, "timed out after " + millis + " ms");
            // Every request pending on the connection fails; noreply ones block nothing.
            assertEquals(List.of("SERVER_ERROR Connection timed out\r\n", "", "SERVER_ERROR Connection timed out\r\n",
                    "MN\r\n"),
                MemcacheWire.pipelined(c, List.of("get a\r\n", store("set", "a", 0, "x", true),
                    "mg a v\r\n", "mn\r\n")));
            assertFalse(c.isClosedByPeer(Duration.ofMillis(100)));
        }
        assertTrue(twd.stats().serverMetric("slow", "hole", "server_timedout") >= 1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
