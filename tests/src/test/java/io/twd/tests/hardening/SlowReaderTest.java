package io.twd.tests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that do not read their replies cannot make twd hold memory without bound, and clients
 * that write a long pipeline before reading are not stalled by the bound.
 */
class SlowReaderTest {
    private static final int MB = 1024 * 1024;
    private static RedisServer redis;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        try (Resp c = redis.client()) {
            assertEquals("OK", c.call("SET", "big", "x".repeat(MB)));
            assertEquals("OK", c.call("SET", "small", "y".repeat(100)));
        }
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static String yaml(int port) {
        return String.join("\n",
            "alpha:",
            "  listen: 127.0.0.1:" + port,
            "  redis: true",
            "  servers:",
            "   - " + redis.serverLine(1, "r1"),
            "");
    }

    /**
     * A client pipelines GETs of a 1 MB value and never reads. twd goes on reading it (see the
     * next test for why), buffers its replies up to --client-output-limit, then closes it and logs
     * why. The daemon's RSS stays within the limit plus a margin, and another client on the same
     * event loop and backend connection (--threads 1) sees no error meanwhile.
     */
    @Test
    void aClientThatNeverReadsIsClosedAtTheOutputLimitAndMemoryStaysBounded() throws Exception {
        try (LiveTwd twd = LiveTwd.start(yaml(FreePorts.allocate()), "--threads", "1",
                "--client-output-limit", "32m", "--client-max-pending", "256");
             RedisLoad good = new RedisLoad(twd.port(), 2, List.of("a", "b", "c", "d"), false)) {
            good.awaitProgress(200);
            long pid = twd.livePid();
            long before = LiveTwd.rssKb(pid);
            long peak = before;
            byte[] get = Resp.encode("GET", "big");
            for (int round = 0; round < 3; round++) {
                try (Socket s = new Socket()) {
                    s.setReceiveBufferSize(4096);
                    s.connect(new InetSocketAddress("127.0.0.1", twd.port()));
                    OutputStream out = s.getOutputStream();
                    // 2000 GETs: 2 GB of replies if twd kept them all.
                    ByteArrayOutputStream batch = new ByteArrayOutputStream();
                    for (int i = 0; i < 2000; i++) {
                        batch.writeBytes(get);
                    }
                    s.setSoTimeout(30_000);
                    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                        try {
                            out.write(batch.toByteArray());
                        } catch (IOException e) {
                            // closed by twd: expected
                        }
                    });
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (twd.logLines("--client-output-limit").size() <= round && System.nanoTime() < deadline) {
                        peak = Math.max(peak, LiveTwd.rssKb(pid));
                        LiveTwd.sleep(20);
                    }
                    assertEquals(round + 1, twd.logLines("--client-output-limit").size(), twd.logTail());
                    assertTrue(closedByPeer(s.getInputStream()), "the non-reading client is closed");
                    writer.get(10, TimeUnit.SECONDS);
                }
            }
            good.awaitProgress(200);
            assertEquals(List.of(), good.failures());
            // 32 MB of unread replies, plus what is on its way from the backend; the pooled
            // allocator keeps its chunks, so later rounds must not add to the first one's peak.
            long growthMb = (peak - before) / 1024;
            assertTrue(growthMb < 160, "RSS grew by " + growthMb + " MB (" + before / 1024 + " -> " + peak / 1024 + ")");
            assertTrue(twd.stats().poolMetric("alpha", "client_err") >= 3);
            assertTrue(twd.process().isAlive());
        }
    }

    /** Reads until EOF or reset, discarding what arrives; false if nothing ends it within 30 s. */
    private static boolean closedByPeer(InputStream in) {
        byte[] sink = new byte[1 << 16];
        try {
            while (in.read(sink) >= 0) {
                // drain what twd wrote before closing
            }
            return true;
        } catch (IOException e) {
            return !(e instanceof java.net.SocketTimeoutException);
        }
    }

    /**
     * A client writes a long pipeline before reading any reply, as redis-py and Jedis pipelines
     * do: 16 GETs of the 1 MB value, then 400 SETs of 100 kB (40 MB, more than the kernel buffers
     * between it and twd hold). twd must keep reading it while the 16 MB of replies wait: if it
     * stopped reading a client whose replies are not being read, this client would block in its
     * write forever while twd waited for it to read. Regression test: twd used to do exactly that
     * (it paused reading whenever the client's socket was not writable).
     */
    @Test
    void aPipelineWrittenBeforeReadingCompletes() throws Exception {
        try (LiveTwd twd = LiveTwd.start(yaml(FreePorts.allocate()));
             Socket s = new Socket()) {
            s.setReceiveBufferSize(8192);
            s.connect(new InetSocketAddress("127.0.0.1", twd.port()));
            s.setSoTimeout(30_000);
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 16; i++) {
                batch.writeBytes(Resp.encode("GET", "big"));
            }
            String pad = "p".repeat(100_000);
            for (int i = 0; i < 400; i++) {
                batch.writeBytes(Resp.encode("SET", "pad" + i, pad));
            }
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(batch.toByteArray()); // all of it, before reading anything
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            write.get(30, TimeUnit.SECONDS);
            byte[] big = ("$" + MB + "\r\n" + "x".repeat(MB) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            long expected = 16L * big.length + 400L * "+OK\r\n".length();
            long got = 0;
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1 << 16];
            while (got < expected) {
                int r = in.read(buf);
                assertFalse(r < 0, "twd closed the connection after " + got + " of " + expected + " bytes");
                got += r;
            }
            assertEquals(expected, got);
        }
    }
}
