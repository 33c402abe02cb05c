package io.twd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.TwdProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pool options that shape connections: client_connections, server_connections (per event
 * loop, see DESIGN.md), preconnect, unix socket and IPv6 listeners, and backend host names.
 */
class ServerOptionsTest {
    private static RedisServer backend;

    @BeforeAll
    static void start() {
        backend = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        backend.stop();
    }

    private static String pool(String name, String listen, String... directives) {
        StringBuilder y = new StringBuilder(name + ":\n  listen: " + listen + "\n  redis: true\n");
        for (String d : directives) y.append("  ").append(d).append('\n');
        y.append("  servers:\n   - ").append(backend.serverLine(1, "only")).append('\n');
        return y.toString();
    }

    private static String local() {
        return "127.0.0.1:" + FreePorts.allocate();
    }

    /** Connections to the backend other than the asking one. */
    private static int backendClients() {
        try (Resp d = backend.client()) {
            String list = (String) d.call("CLIENT", "LIST");
            return (int) list.lines().filter(l -> !l.isBlank()).count() - 1;
        }
    }

    private static void killBackendClients() {
        try (Resp d = backend.client()) {
            d.call("CLIENT", "KILL", "SKIPME", "yes");
        }
    }

    @Test
    void clientConnectionsIsEnforced() throws Exception {
        try (TwdProcess twd = TwdProcess.start(pool("limited", local(), "client_connections: 2"))) {
            Resp c1 = twd.redis("limited");
            Resp c2 = twd.redis("limited");
            assertEquals("PONG", c1.call("PING"));
            assertEquals("PONG", c2.call("PING"));
            try (Resp c3 = twd.redis("limited")) {
                assertEquals(new Resp.Error("ERR max number of clients reached"), c3.read(), "the third client is told why");
                assertTrue(c3.isClosedByPeer(Duration.ofSeconds(5)), "and closed");
            }
            assertEquals("PONG", c1.call("PING"), "the first two are untouched");
            assertEquals("PONG", c2.call("PING"));
            c1.close();
            // Once one leaves, a new client gets in.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (true) {
                try (Resp c4 = twd.redis("limited")) {
                    Object reply = c4.call("PING");
                    if ("PONG".equals(reply)) break;
                    assertTrue(System.nanoTime() < deadline, "a freed slot is never reused: " + reply);
                } catch (RuntimeException e) {
                    assertTrue(System.nanoTime() < deadline, "a freed slot is never reused: " + e);
                }
                Thread.sleep(50);
            }
            c2.close();
        }
    }

    @Test
    void serverConnectionsArePerEventLoop() throws Exception {
        killBackendClients();
        try (TwdProcess twd = TwdProcess.start(pool("conns", local(), "server_connections: 3"), "--threads", "2")) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Resp> clients = new ArrayList<>();
                for (int i = 0; i < 8; i++) clients.add(twd.redis("conns")); // accepted round-robin over the 2 loops
                List<Future<?>> work = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Resp c = clients.get(i);
                    int id = i;
                    work.add(pool.submit(() -> {
                        for (int round = 0; round < 20; round++) {
                            List<String[]> batch = new ArrayList<>();
                            for (int j = 0; j < 10; j++) batch.add(new String[] {"INCR", "conns:" + id});
                            c.pipeline(batch);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) f.get();
                for (int i = 0; i < 8; i++) assertEquals("200", clients.get(i).call("GET", "conns:" + i));
                assertEquals(6, backendClients(), "3 server_connections on each of 2 event loops");
                assertEquals(6, twd.stats().serverMetric("conns", "only", "server_connections"), twd.stats().raw());
                for (Resp c : clients) c.close();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void preconnectOpensBackendConnectionsAtStart() throws Exception {
        killBackendClients();
        try (TwdProcess twd = TwdProcess.start(pool("eager", local(), "preconnect: true"), "--threads", "2")) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (backendClients() < 2) {
                assertTrue(System.nanoTime() < deadline, "no preconnected backend connections: " + backendClients());
                Thread.sleep(50);
            }
            assertEquals(2, backendClients(), "one per event loop, before any client came");
            assertEquals(2, twd.stats().serverMetric("eager", "only", "server_connections"));
        }
        killBackendClients();
        try (TwdProcess twd = TwdProcess.start(pool("lazy", local()), "--threads", "2")) {
            Thread.sleep(300);
            assertEquals(0, backendClients(), "without preconnect nothing is opened before a request");
        }
    }

    @Test
    void listensOnAUnixSocketWithItsPermissions() throws Exception {
        Path sock = Path.of(System.getProperty("java.io.tmpdir"), "twd-options-" + ProcessHandle.current().pid() + ".sock");
        try (TwdProcess twd = TwdProcess.start(pool("unix", sock + " 0600"))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(sock));
                assertEquals("+PONG\r\n", exchange(ch, Resp.encode("PING"), 1));
                assertEquals("+OK\r\n$9\r\nover-unix\r\n",
                        exchange(ch, concat(Resp.encode("SET", "unix:k", "over-unix"), Resp.encode("GET", "unix:k")), 2));
            }
            twd.stop();
        }
        assertFalse(Files.exists(sock), "a clean stop removes the socket file");
    }

    @Test
    void listensOnIpv6Loopback() {
        int port = FreePorts.allocate();
        assumeTrue(ipv6LoopbackBindable(port), "::1 is not available on this machine");
        try (TwdProcess twd = TwdProcess.start(pool("six", "::1:" + port)); Resp c = Resp.connect("::1", port)) {
            assertEquals("OK", c.call("SET", "v6:k", "six"));
            assertEquals("six", c.call("GET", "v6:k"));
            assertTrue(c.socket().getRemoteSocketAddress().toString().contains(":"), "connected over IPv6");
        }
    }

    @Test
    void backendHostNamesAreResolved() {
        String yaml = "named:\n  listen: " + local() + "\n  redis: true\n  servers:\n   - localhost:" + backend.port() + ":1\n";
        try (TwdProcess twd = TwdProcess.start(yaml); Resp c = twd.redis("named")) {
            assertEquals("OK", c.call("SET", "named:k", "via-localhost"));
            assertEquals(List.of("localhost:" + backend.port()), twd.stats().servers("named"), "the default name is as written");
        }
        try (Resp d = backend.client()) {
            assertEquals("via-localhost", d.call("GET", "named:k"));
        }
    }

    /**
     * A backend whose name never resolves (TWD_TEST_HANG_LOOKUP makes the lookup hang, as with a
     * DNS server that does not answer): its requests fail at the pool's timeout as a timed-out
     * connect, and the other pool's clients on the same event loop are served meanwhile.
     */
    @Test
    void aHungNameLookupFailsItsServersRequestsAndHoldsUpNoOne() {
        String hungListen = local();
        String yaml = "hung:\n  listen: " + hungListen + "\n  redis: true\n  timeout: 400\n  servers:\n   - hang.invalid:6379:1\n"
            + pool("fine", local());
        try (TwdProcess twd = TwdProcess.launcher().env("TWD_TEST_HANG_LOOKUP", "hang.invalid")
                .start(yaml, "--threads", "1");
             Resp hung = twd.redis("hung");
             Resp fine = twd.redis("fine")) {
            long start = System.nanoTime();
            hung.send("GET", "k1");
            // The lookup is under way on a resolver thread; the one event loop serves on.
            for (int i = 0; i < 20; i++) {
                long t = System.nanoTime();
                assertEquals("OK", fine.call("SET", "fine:" + i, "v"));
                assertTrue(System.nanoTime() - t < Duration.ofMillis(200).toNanos(),
                    "the other pool's request took " + (System.nanoTime() - t) / 1_000_000 + " ms");
            }
            assertEquals(new Resp.Error("ERR Connection timed out"), hung.read());
            long took = (System.nanoTime() - start) / 1_000_000;
            assertTrue(took >= 350 && took < 5000, "failed at the pool's timeout (400 ms), after " + took + " ms");
            // Later requests try again, and fail the same way.
            assertEquals(new Resp.Error("ERR Connection timed out"), hung.call("GET", "k2"));
            assertEquals("v", fine.call("GET", "fine:3"));
        }
    }

    // ------------------------------------------------------------------ helpers

    private static boolean ipv6LoopbackBindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("::1"), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes {@code request} and reads until {@code replies} CRLF-terminated simple/bulk replies are in (small replies only). */
    private static String exchange(SocketChannel ch, byte[] request, int replies) throws IOException {
        ch.write(ByteBuffer.wrap(request));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (countReplies(got.toString(StandardCharsets.UTF_8)) < replies) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) break;
            got.write(buf.array(), 0, n);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    /** Counts complete +/-/: lines and $N bulks in {@code s}. */
    private static int countReplies(String s) {
        int count = 0;
        int i = 0;
        while (i < s.length()) {
            int eol = s.indexOf("\r\n", i);
            if (eol < 0) return count;
            if (s.charAt(i) == '$') {
                int len = Integer.parseInt(s.substring(i + 1, eol));
                int end = eol + 2 + Math.max(len, 0) + (len >= 0 ? 2 : 0);
                if (end > s.length()) return count;
                i = end;
            } else {
                i = eol + 2;
            }
            count++;
        }
        return count;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
