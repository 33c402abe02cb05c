package io.twd.tests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.ManagedProcess;
import io.twd.tests.support.Memcached;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * End-to-end fuzz: a real twd in front of real redis and memcached, and of a fake backend that
 * answers garbage, while well-behaved clients run. Hundreds of connections send mutated requests
 * and random bytes, in random pieces. The well-behaved clients see no error, the daemon stays up
 * and leaks no buffer, every bad connection is answered or closed (none is left hanging), and
 * clients of the garbage backend get errors, never a hang. Seeded: {@code -Dtwd.fuzz.seed=S}.
 */
class GarbageTest {
    private static final int CONNECTIONS_PER_PROTOCOL = Integer.getInteger("twd.garbage.connections", 120);

    private static final String[] REDIS_SEEDS = {
        "*1\r\n$4\r\nPING\r\n", "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n",
        "*4\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "*3\r\n$4\r\nEVAL\r\n$1\r\nx\r\n$1\r\n0\r\n",
        "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n", "*1\r\n$7\r\nCOMMAND\r\n", "*0\r\n", "PING\r\n",
        "*2\r\n$3\r\nDEL\r\n$-1\r\n", "*1\r\n$99999999999\r\n"};
    private static final String[] MEMCACHE_SEEDS = {
        "get a b c\r\n", "set k 0 0 5\r\nhello\r\n", "cas k 0 0 1 9\r\nx\r\n", "incr k 1\r\n", "delete k noreply\r\n",
        "mg k v q\r\n", "ms k 2 T0\r\nhi\r\n", "mn\r\n", "gat 1 k\r\n", "touch k 1\r\n", "stats\r\n", "set k 0 0 x\r\n"};
    private static final String[] TOKENS = {"\r\n", "\n", "\r", "*", "$", "-1", "0", "99999999999", " ", "noreply",
        "\u0000", "\u00ff", "*2\r\n", "END\r\n", "q", "\t"};

    private static byte[] garbage(Random r, String[] seeds) {
        if (r.nextInt(8) == 0) {
            byte[] noise = new byte[r.nextInt(512)];
            r.nextBytes(noise);
            return noise;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 1 + r.nextInt(6); i > 0; i--) {
            sb.append(seeds[r.nextInt(seeds.length)]);
        }
        for (int m = r.nextInt(4); m > 0; m--) {
            int at = r.nextInt(sb.length() + 1);
            switch (r.nextInt(4)) {
                case 0 -> sb.insert(at, TOKENS[r.nextInt(TOKENS.length)]);
                case 1 -> sb.delete(at, Math.min(sb.length(), at + 1 + r.nextInt(8)));
                case 2 -> sb.insert(at, (char) r.nextInt(256));
                default -> sb.setLength(at);
            }
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** What happened to one bad connection. */
    record Outcome(boolean answered, boolean closed, String input) {
    }

    /**
     * Sends {@code input} in random pieces, half-closes, and reads until twd closes (or 10 s pass).
     * A client that stops sending is closed by twd once its replies are out.
     */
    private static Outcome abuse(int port, byte[] input, Random r) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            int at = 0;
            while (at < input.length) {
                int n = Math.min(input.length - at, 1 + r.nextInt(64));
                try {
                    out.write(input, at, n);
                    out.flush();
                } catch (IOException e) {
                    break; // twd closed it: a protocol error, say
                }
                at += n;
                if (r.nextInt(8) == 0) {
                    LiveTwd.sleep(1);
                }
            }
            try {
                s.shutdownOutput();
            } catch (IOException e) {
                // already closed by twd
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            boolean answered = false;
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    answered |= n > 0;
                }
                return new Outcome(answered, true, describe(input));
            } catch (SocketTimeoutException e) {
                return new Outcome(answered, false, describe(input));
            } catch (IOException e) {
                return new Outcome(answered, true, describe(input)); // reset
            }
        } catch (IOException e) {
            return new Outcome(false, false, "connect: " + e);
        }
    }

    private static String describe(byte[] input) {
        StringBuilder sb = new StringBuilder();
        for (byte b : input) {
            sb.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff));
            if (sb.length() > 200) {
                return sb + "...";
            }
        }
        return sb.toString();
    }

    @Test
    void garbageOnManyConnectionsHurtsNobodyElse() throws Exception {
        long seed = Long.getLong("twd.fuzz.seed", 20261124L);
        AtomicBoolean running = new AtomicBoolean(true);
        try (RedisServer redis = RedisServer.start();
             Memcached memcached = Memcached.start();
             ServerSocket fake = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread fakeBackend = garbageBackend(fake, running, new Random(seed));
            String yaml = String.join("\n",
                "alpha:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  servers:",
                "   - " + redis.serverLine(1, "r1"),
                "beta:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  servers:",
                "   - " + memcached.serverLine(1, "m1"),
                "gamma:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  timeout: 300",
                "  servers:",
                "   - 127.0.0.1:" + fake.getLocalPort() + ":1 fake",
                "");
            try (LiveTwd twd = LiveTwd.start(yaml, "--max-request-size", "64k");
                 RedisLoad good = new RedisLoad(twd.port("alpha"), 2, List.of("g1", "g2", "g3", "g4"), false);
                 SoakTest.MemcacheLoad goodMemcache = new SoakTest.MemcacheLoad(twd.port("beta"))) {
                good.awaitProgress(100);
                ExecutorService pool = Executors.newFixedThreadPool(16);
                List<Future<Outcome>> outcomes = new ArrayList<>();
                Random seeds = new Random(seed);
                for (int i = 0; i < CONNECTIONS_PER_PROTOCOL; i++) {
                    for (int p = 0; p < 3; p++) {
                        long s = seeds.nextLong();
                        String pool3 = p == 0 ? "alpha" : p == 1 ? "beta" : "gamma";
                        String[] seedSet = p == 1 ? MEMCACHE_SEEDS : REDIS_SEEDS;
                        outcomes.add(pool.submit(() -> {
                            Random r = new Random(s);
                            return abuse(twd.port(pool3), garbage(r, seedSet), r);
                        }));
                    }
                }
                List<String> hanging = new ArrayList<>();
                int answered = 0;
                for (Future<Outcome> f : outcomes) {
                    Outcome o = f.get(60, TimeUnit.SECONDS);
                    if (!o.closed()) {
                        hanging.add(o.input());
                    }
                    if (o.answered()) {
                        answered++;
                    }
                }
                pool.shutdown();
                good.awaitProgress(100);
                goodMemcache.awaitProgress(50);
                assertEquals(List.of(), hanging, "bad connections twd neither answered to the end nor closed");
                assertEquals(List.of(), good.failures(), "the well-behaved redis clients");
                assertEquals(List.of(), goodMemcache.failures(), "the well-behaved memcached client");
                System.out.printf("garbage: %d bad connections, %d answered before the close; client_err alpha %d beta %d%n",
                    outcomes.size(), answered, twd.stats().poolMetric("alpha", "client_err"),
                    twd.stats().poolMetric("beta", "client_err"));
                // A client's EOF closes its connection at once (pending replies are dropped, as
                // redis does), so only some of them see their answers before the close.
                assertTrue(answered > 0, "no bad connection got an answer");

                // The garbage backend's clients get errors, not hangs; the daemon is fine.
                try (Resp c = twd.redis("gamma")) {
                    for (int i = 0; i < 5; i++) {
                        Object reply = c.call("GET", "x" + i);
                        assertTrue(reply instanceof Resp.Error || reply == null || reply instanceof String,
                            "a reply or an error: " + reply);
                    }
                }
                gcAndCheckLeaks(twd);
                assertTrue(twd.process().isAlive());
            } finally {
                running.set(false);
                fake.close();
                fakeBackend.join(5000);
            }
        }
    }

    /**
     * Regression: memcached clients that hang up with value replies still on their way. Their
     * requests were discarded together with what frames their replies, so a value reply was read
     * as one line and the shared backend connection fell out of step: other clients got
     * "SERVER_ERROR Invalid argument" (found by the test above).
     */
    @Test
    void memcachedClientsLeavingBeforeTheirRepliesHurtNobody() throws Exception {
        try (Memcached memcached = Memcached.start()) {
            String yaml = String.join("\n",
                "beta:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  servers:",
                "   - " + memcached.serverLine(1, "m1"),
                "");
            try (LiveTwd twd = LiveTwd.start(yaml, "--threads", "1");
                 SoakTest.MemcacheLoad good = new SoakTest.MemcacheLoad(twd.port("beta"))) {
                try (io.twd.tests.support.Memc m = twd.memcache("beta")) {
                    assertEquals("STORED", m.set("k", "hello"));
                }
                good.awaitProgress(50);
                byte[] leave = "get k k\r\nmg k v\r\ngets k\r\nmg k v f\r\n".getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < 300; i++) {
                    try (Socket s = new Socket("127.0.0.1", twd.port("beta"))) {
                        s.getOutputStream().write(leave);
                    }
                }
                good.awaitProgress(50);
                assertEquals(List.of(), good.failures());
                assertEquals(0, twd.stats().serverMetric("beta", "m1", "server_eof")
                    + twd.stats().serverMetric("beta", "m1", "server_err"), "the backend connection stayed in step");
            }
        }
    }

    /**
     * A client that shuts down its sending side after a pipeline ({@code printf ... | nc -N})
     * still gets every reply, then EOF, as from nutcracker and redis. twd used to close at once,
     * dropping the replies to everything it had forwarded.
     */
    @Test
    void aClientThatHalfClosesGetsEveryReply() throws Exception {
        try (RedisServer redis = RedisServer.start(); Memcached memcached = Memcached.start()) {
            String yaml = String.join("\n",
                "alpha:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  servers:",
                "   - " + redis.serverLine(1, "r1"),
                "beta:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  servers:",
                "   - " + memcached.serverLine(1, "m1"),
                "");
            try (LiveTwd twd = LiveTwd.start(yaml, "--client-max-pending", "4")) {
                StringBuilder redisBatch = new StringBuilder();
                StringBuilder expected = new StringBuilder();
                for (int i = 0; i < 20; i++) {
                    redisBatch.append(new String(Resp.encode("SET", "h" + i, "v" + i), StandardCharsets.UTF_8))
                        .append(new String(Resp.encode("GET", "h" + i), StandardCharsets.UTF_8));
                    expected.append("+OK\r\n$").append(("v" + i).length()).append("\r\nv").append(i).append("\r\n");
                }
                redisBatch.append(new String(Resp.encode("PING"), StandardCharsets.UTF_8));
                expected.append("+PONG\r\n");
                assertEquals(expected.toString(), halfClose(twd.port("alpha"), redisBatch.toString()));
                assertEquals("STORED\r\nVALUE h 0 2\r\nhi\r\nEND\r\n",
                    halfClose(twd.port("beta"), "set h 0 0 2\r\nhi\r\nget h\r\n"));
                assertEquals(2, twd.stats().poolMetric("alpha", "client_eof") + twd.stats().poolMetric("beta", "client_eof"));
            }
        }
    }

    /** Sends {@code text}, shuts down the sending side, returns everything read until EOF. */
    private static String halfClose(int port, String text) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** A backend that answers anything with garbage (sometimes a valid reply), and sometimes hangs up. */
    private static Thread garbageBackend(ServerSocket server, AtomicBoolean running, Random random) {
        Thread t = new Thread(() -> {
            while (running.get()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                long seed = random.nextLong();
                Thread conn = new Thread(() -> {
                    Random r = new Random(seed);
                    try (s) {
                        s.setSoTimeout(2000);
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        byte[] buf = new byte[4096];
                        while (running.get() && in.read(buf) > 0) {
                            switch (r.nextInt(5)) {
                                case 0 -> out.write("+OK\r\n".getBytes(StandardCharsets.US_ASCII));
                                case 1 -> out.write(("$5\r\nhel").getBytes(StandardCharsets.US_ASCII));
                                case 2 -> {
                                    return; // hang up
                                }
                                default -> {
                                    byte[] noise = new byte[1 + r.nextInt(200)];
                                    r.nextBytes(noise);
                                    out.write(noise);
                                }
                            }
                            out.flush();
                        }
                    } catch (IOException e) {
                        // twd closed it
                    }
                }, "garbage-backend-conn");
                conn.setDaemon(true);
                conn.start();
            }
        }, "garbage-backend");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A full GC in the daemon, then traffic so Netty reports collected leaks, then none may show. */
    private static void gcAndCheckLeaks(LiveTwd twd) {
        String jcmd = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        ManagedProcess.Result r = ManagedProcess.run("jcmd", Duration.ofSeconds(30),
            List.of(jcmd, Long.toString(twd.livePid()), "GC.run"));
        assertEquals(0, r.exitCode(), r.output());
        try (Resp c = twd.redis("alpha")) {
            for (int i = 0; i < 200; i++) {
                assertEquals("OK", c.call("SET", "after-gc", "x".repeat(i)));
            }
        }
        assertEquals(List.of(), twd.logLines("LEAK:"), "Netty leak reports");
    }
}
