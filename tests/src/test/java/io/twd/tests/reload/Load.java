package io.twd.tests.reload;

import io.twd.tests.support.Resp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous load against one redis pool of twd, every reply checked:
 *
 * <ul>
 *   <li><b>persistent clients</b>: each its own connection, sending pipelines of 8 commands on
 *       fresh keys without pause ({@code SET, GET, INCR, INCR, APPEND, GET, MGET, DEL}; the next
 *       pipeline as soon as the last reply of the previous one is in), so each reply is known
 *       exactly, in order, whatever server a key lands on (a pool's servers may change under
 *       load). They run on a few selector threads, not one thread each: 200 busy threads would
 *       starve the new twd JVM that a change starts on the same machine. A client never
 *       reconnects on its own: a failure (wrong reply, error, EOF, no answer within 5 s) is
 *       recorded, and only then does it reconnect, which {@link #reconnects()} counts. Its local
 *       port at start is kept to compare at the end;</li>
 *   <li><b>churn clients</b>: connect, one request ({@code SET key v EX 30}), close, in a loop.
 *       A refused connect is counted apart from other failures.</li>
 * </ul>
 *
 * <p>Optionally each persistent client first authenticates ({@code AUTH password}) and never again.
 */
final class Load implements AutoCloseable {
    /** Failures kept in full for the assertion message. */
    private static final int SAMPLES = 20;
    private static final AtomicLong RUN = new AtomicLong();
    /** Selector threads for the persistent clients, however many there are. */
    private static final int SELECTOR_THREADS = 2;

    private final String host = "127.0.0.1";
    private final int port;
    private final String password;
    private final String prefix = "ld" + ProcessHandle.current().pid() + "-" + RUN.incrementAndGet();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Persistent> persistent = new ArrayList<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong pipelines = new AtomicLong();
    private final AtomicLong churnConnects = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong maxPipelineMicros = new AtomicLong();
    private final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    /** Speak memcached's ASCII protocol instead of RESP. */
    private boolean memcache;

    private Load(int port, String password) {
        this.port = port;
        this.password = password;
    }

    /**
     * The same against a memcache pool: pipelines of 8 commands on fresh keys
     * ({@code set, get, append, get, set, incr, incr, delete}), the replies compared byte for
     * byte as they arrive; churn clients {@code set} one key.
     */
    static Load startMemcache(int port, int clients, int churners) {
        return start(port, clients, churners, null, true);
    }

    /** Starts {@code clients} persistent clients (all connected when this returns) and {@code churners} churn loops. */
    static Load start(int port, int clients, int churners) {
        return start(port, clients, churners, null);
    }

    static Load start(int port, int clients, int churners, String password) {
        return start(port, clients, churners, password, false);
    }

    private static Load start(int port, int clients, int churners, String password, boolean memcache) {
        Load load = new Load(port, password);
        load.memcache = memcache;
        int selectors = Math.min(SELECTOR_THREADS, Math.max(1, clients));
        List<List<Persistent>> groups = new ArrayList<>();
        for (int i = 0; i < selectors; i++) groups.add(new ArrayList<>());
        for (int i = 0; i < clients; i++) {
            Persistent p = load.new Persistent(i);
            p.connect();
            load.persistent.add(p);
            groups.get(i % selectors).add(p);
        }
        for (int i = 0; i < selectors; i++) {
            List<Persistent> group = groups.get(i);
            load.spawn("load-selector-" + i, () -> load.runSelector(group));
        }
        for (int i = 0; i < churners; i++) {
            int id = i;
            load.spawn("churn-" + i, () -> load.churn(id));
        }
        return load;
    }

    private void spawn(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void fail(String what) {
        failures.incrementAndGet();
        if (samples.size() < SAMPLES) samples.add(System.currentTimeMillis() % 100_000 + " " + what);
    }

    /** One persistent client: a non-blocking connection driven by a selector thread. */
    private final class Persistent {
        final int id;
        SocketChannel conn;
        int firstLocalPort = -1;
        volatile long done;
        long seq;
        /** What the current pipeline must get back, in order; empty while authenticating. */
        List<Object> want = List.of();
        ByteBuffer out;
        byte[] in = new byte[4096];
        int inLen;
        List<Object> got = new ArrayList<>();
        long sentNanos;
        boolean authenticating;
        /** Memcache: the exact bytes the pipeline must get back. */
        byte[] expect;

        Persistent(int id) {
            this.id = id;
        }

        void connect() {
            try {
                conn = SocketChannel.open();
                conn.setOption(StandardSocketOptions.TCP_NODELAY, true);
                conn.socket().connect(new InetSocketAddress(host, port), 5000);
                conn.configureBlocking(false);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot connect to " + host + ":" + port, e);
            }
            if (firstLocalPort < 0) firstLocalPort = conn.socket().getLocalPort();
            inLen = 0;
            if (password != null) {
                authenticating = true;
                want = List.of("OK");
                queue(Resp.encode("AUTH", password));
            } else {
                next();
            }
        }

        /** Prepares the next pipeline of 8 commands on fresh keys. */
        void next() {
            authenticating = false;
            seq++;
            String k = prefix + ":" + id + ":" + seq + ":k";
            String c = prefix + ":" + id + ":" + seq + ":c";
            String v = "v" + seq;
            if (memcache) {
                String req = "set " + k + " 0 0 " + v.length() + "\r\n" + v + "\r\n"
                        + "get " + k + "\r\n"
                        + "append " + k + " 0 0 1\r\nx\r\n"
                        + "get " + k + "\r\n"
                        + "set " + c + " 0 0 1\r\n0\r\n"
                        + "incr " + c + " 1\r\n"
                        + "incr " + c + " 1\r\n"
                        + "delete " + k + "\r\n";
                String rep = "STORED\r\n"
                        + "VALUE " + k + " 0 " + v.length() + "\r\n" + v + "\r\nEND\r\n"
                        + "STORED\r\n"
                        + "VALUE " + k + " 0 " + (v.length() + 1) + "\r\n" + v + "x\r\nEND\r\n"
                        + "STORED\r\n"
                        + "1\r\n"
                        + "2\r\n"
                        + "DELETED\r\n";
                expect = rep.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                want = List.of(rep);
                queue(req.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return;
            }
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            b.writeBytes(Resp.encode("SET", k, v));
            b.writeBytes(Resp.encode("GET", k));
            b.writeBytes(Resp.encode("INCR", c));
            b.writeBytes(Resp.encode("INCR", c));
            b.writeBytes(Resp.encode("APPEND", k, "x"));
            b.writeBytes(Resp.encode("GET", k));
            b.writeBytes(Resp.encode("MGET", k, c));
            b.writeBytes(Resp.encode("DEL", k, c));
            want = List.of("OK", v, 1L, 2L, (long) v.length() + 1, v + "x", List.of(v + "x", "2"), 2L);
            queue(b.toByteArray());
        }

        void queue(byte[] bytes) {
            out = ByteBuffer.wrap(bytes);
            got = new ArrayList<>();
            sentNanos = System.nanoTime();
        }

        String where() {
            return "client " + id + " (local port " + firstLocalPort + ") " + (authenticating ? "AUTH" : "pipeline " + seq);
        }

        /** Writes what is left of the pipeline (one write in practice). */
        void write() throws IOException {
            while (out != null && out.hasRemaining()) {
                if (conn.write(out) == 0) return;
            }
        }

        /** Reads, parses complete replies; true when the pipeline is complete and checked. */
        boolean read() throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
            int n;
            while ((n = conn.read(buf)) > 0) {
                buf.flip();
                if (inLen + buf.remaining() > in.length) in = java.util.Arrays.copyOf(in, Math.max(in.length * 2, inLen + buf.remaining()));
                buf.get(in, inLen, buf.remaining());
                inLen += n;
                buf.clear();
            }
            if (memcache) {
                // Compared as the bytes arrive: the first wrong byte is a failure, not a wait.
                int n0 = Math.min(inLen, expect.length);
                if (!java.util.Arrays.equals(in, 0, n0, expect, 0, n0) || inLen > expect.length) {
                    got = List.of(new String(in, 0, inLen, java.nio.charset.StandardCharsets.US_ASCII));
                    return true;
                }
                if (n < 0 && inLen < expect.length) throw new java.io.EOFException("connection closed by peer");
                if (inLen < expect.length) return false;
                got = List.of(new String(in, 0, inLen, java.nio.charset.StandardCharsets.US_ASCII));
                inLen = 0;
                return true;
            }
            int[] pos = {0};
            while (got.size() < want.size()) {
                int start = pos[0];
                Object r = RespParser.parse(in, inLen, pos);
                if (r == RespParser.INCOMPLETE) {
                    pos[0] = start;
                    break;
                }
                got.add(r);
            }
            System.arraycopy(in, pos[0], in, 0, inLen - pos[0]);
            inLen -= pos[0];
            if (n < 0 && got.size() < want.size()) throw new java.io.EOFException("connection closed by peer");
            if (got.size() < want.size()) return false;
            if (inLen != 0) throw new IOException("unexpected bytes after the replies: " + inLen);
            return true;
        }

        void reconnect() {
            try {
                conn.close();
            } catch (IOException ignored) {
                // already broken
            }
            reconnects.incrementAndGet();
            while (running) {
                try {
                    connect();
                    return;
                } catch (RuntimeException e) {
                    sleep(50);
                }
            }
        }
    }

    /** Drives a group of persistent clients: write a pipeline, read and check its replies, repeat. */
    private void runSelector(List<Persistent> group) {
        try (Selector sel = Selector.open()) {
            java.util.Map<Persistent, SelectionKey> keys = new java.util.HashMap<>();
            for (Persistent p : group) keys.put(p, p.conn.register(sel, SelectionKey.OP_WRITE, p));
            while (running) {
                sel.select(100);
                for (SelectionKey key : sel.selectedKeys()) {
                    Persistent p = (Persistent) key.attachment();
                    try {
                        if (key.isValid() && key.isWritable()) {
                            p.write();
                            if (!p.out.hasRemaining()) key.interestOps(SelectionKey.OP_READ);
                        } else if (key.isValid() && key.isReadable() && p.read()) {
                            if (!p.want.equals(p.got)) {
                                fail(p.where() + ": want " + p.want + ", got " + p.got);
                                keys.put(p, restart(p, key, sel));
                                continue;
                            }
                            if (!p.authenticating) {
                                requests.addAndGet(memcache ? 8 : p.want.size());
                                pipelines.incrementAndGet();
                                p.done++;
                                maxPipelineMicros.accumulateAndGet((System.nanoTime() - p.sentNanos) / 1000, Math::max);
                            }
                            p.next();
                            p.write();
                            key.interestOps(p.out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
                        }
                    } catch (IOException | RuntimeException e) {
                        if (!running) return;
                        fail(p.where() + " after " + (System.nanoTime() - p.sentNanos) / 1_000_000 + " ms: " + e);
                        keys.put(p, restart(p, key, sel));
                    }
                }
                sel.selectedKeys().clear();
                long now = System.nanoTime();
                for (Persistent p : group) {
                    if (running && now - p.sentNanos > Resp.READ_TIMEOUT.toNanos()) {
                        fail(p.where() + ": no complete answer within " + Resp.READ_TIMEOUT.toSeconds() + " s (got "
                                + p.got.size() + " of " + p.want.size() + " replies)");
                        keys.put(p, restart(p, keys.get(p), sel));
                    }
                }
            }
        } catch (IOException e) {
            fail("selector: " + e);
        }
    }

    private SelectionKey restart(Persistent p, SelectionKey key, Selector sel) {
        key.cancel();
        p.reconnect();
        try {
            sel.selectNow(); // flush the cancelled key before registering the new channel
            return p.conn.register(sel, SelectionKey.OP_WRITE, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void churn(int id) {
        long seq = 0;
        while (running) {
            seq++;
            Resp c;
            try {
                c = Resp.connect(host, port);
            } catch (UncheckedIOException e) {
                if (!running) return;
                if (e.getCause() instanceof ConnectException) {
                    refused.incrementAndGet();
                    fail("churn " + id + ": connect refused: " + e.getCause());
                } else {
                    fail("churn " + id + ": connect failed: " + e.getCause());
                }
                sleep(10);
                continue;
            }
            churnConnects.incrementAndGet();
            if (memcache) {
                try (c) {
                    c.sendRaw("set " + prefix + ":churn:" + id + ":" + seq + " 0 30 1\r\nv\r\n");
                    String r = readLine(c.socket().getInputStream());
                    if (!"STORED".equals(r)) {
                        fail("churn " + id + " (local port " + c.socket().getLocalPort() + "): set answered " + r);
                    } else {
                        requests.incrementAndGet();
                    }
                } catch (IOException | RuntimeException e) {
                    if (running) fail("churn " + id + ": " + e);
                }
                continue;
            }
            try (c) {
                if (password != null && !"OK".equals(c.call("AUTH", password))) {
                    fail("churn " + id + ": AUTH refused");
                    continue;
                }
                Object r = c.call("SET", prefix + ":churn:" + id + ":" + seq, "v", "EX", "30");
                if (!"OK".equals(r)) {
                    fail("churn " + id + " (local port " + c.socket().getLocalPort() + "): SET answered " + r);
                } else {
                    requests.incrementAndGet();
                }
            } catch (RuntimeException e) {
                if (running) fail("churn " + id + ": " + e);
            }
        }
    }

    /** Waits until every persistent client has completed {@code n} more pipelines (proves each is still served). */
    void awaitProgress(int n, long timeoutMillis) {
        long[] base = new long[persistent.size()];
        for (int i = 0; i < base.length; i++) base[i] = persistent.get(i).done;
        long deadline = System.currentTimeMillis() + timeoutMillis;
        for (int i = 0; i < base.length; i++) {
            while (persistent.get(i).done < base[i] + n) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("client " + i + " made no progress in " + timeoutMillis + " ms: " + summary());
                }
                sleep(5);
            }
        }
    }

    long requests() {
        return requests.get();
    }

    long pipelines() {
        return pipelines.get();
    }

    long failures() {
        return failures.get();
    }

    long refused() {
        return refused.get();
    }

    long reconnects() {
        return reconnects.get();
    }

    long churnConnects() {
        return churnConnects.get();
    }

    long maxPipelineMillis() {
        return maxPipelineMicros.get() / 1000;
    }

    /** Each persistent client's local port when it first connected. */
    List<Integer> firstLocalPorts() {
        List<Integer> ports = new ArrayList<>();
        for (Persistent p : persistent) ports.add(p.firstLocalPort);
        return ports;
    }

    /** Clients whose local port now differs from the first one: client id to [first, now]. */
    Map<Integer, List<Integer>> movedPorts() {
        Map<Integer, List<Integer>> moved = new TreeMap<>();
        for (Persistent p : persistent) {
            int now = p.conn.socket().getLocalPort();
            if (now != p.firstLocalPort || !p.conn.isOpen()) moved.put(p.id, List.of(p.firstLocalPort, now));
        }
        return moved;
    }

    List<String> samples() {
        return Collections.unmodifiableList(new ArrayList<>(samples));
    }

    String summary() {
        return String.format("%d requests (%d pipelines of 8 on %d persistent clients, %d churn connections), "
                        + "%d failures, %d refused, %d reconnects, slowest pipeline %d ms%s",
                requests(), pipelines(), persistent.size(), churnConnects(), failures(), refused(), reconnects(),
                maxPipelineMillis(), samples.isEmpty() ? "" : "\nfirst failures:\n  " + String.join("\n  ", samples));
    }

    /** Stops every thread (a client stops after its current pipeline); connections stay open. */
    void stop() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
        for (Persistent p : persistent) {
            try {
                if (p.conn != null) p.conn.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** One line without its CRLF, read byte by byte (nothing is buffered past it); null at EOF. */
    private static String readLine(java.io.InputStream in) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] line = b.toByteArray();
                int n = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
                return new String(line, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
            }
            b.write(c);
        }
        return null;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
