package io.twd.daemon.internal.pool;

import io.netty.buffer.ByteBuf;
import io.twd.daemon.internal.hash.KeyHash;
import io.twd.daemon.internal.stats.PoolCounters;
import io.twd.protocol.config.Distribution;
import io.twd.protocol.config.PoolConfig;
import io.twd.protocol.config.ServerSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool as the proxy runs it: its servers in twemproxy's name order and the continuum that
 * places keys on them. A running process never changes its config (changes go through a new
 * process), so everything here but liveness is fixed at start.
 */
public final class ServerPool {
    private static final byte[] PLACEHOLDER = "placeholder".getBytes(StandardCharsets.US_ASCII);

    private final PoolConfig config;
    private final int index;
    private final Server[] servers;
    private final KeyHash hash;
    private final boolean hasTag;
    private final byte tagOpen;
    private final byte tagClose;
    private final PoolCounters[] counters;
    private final AtomicLong serverEjects = new AtomicLong();
    private final AtomicInteger clients = new AtomicInteger();

    private volatile Continuum continuum;
    /** Wall-clock millis of the earliest ejected server's return; 0 when none is out. */
    private volatile long nextRebuild;

    public ServerPool(PoolConfig config, int index, int loops) {
        this.config = config;
        this.index = index;
        List<ServerSpec> specs = config.servers();
        this.servers = new Server[specs.size()];
        for (int i = 0; i < servers.length; i++) {
            servers[i] = new Server(this, i, specs.get(i), loops);
        }
        this.hash = KeyHash.of(config.hash());
        String tag = config.hashTag();
        this.hasTag = tag != null && tag.length() == 2;
        this.tagOpen = hasTag ? (byte) tag.charAt(0) : 0;
        this.tagClose = hasTag ? (byte) tag.charAt(1) : 0;
        this.counters = new PoolCounters[loops];
        for (int i = 0; i < loops; i++) {
            counters[i] = new PoolCounters();
        }
        rebuild();
    }

    public PoolConfig config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    public int index() {
        return index;
    }

    public Server[] servers() {
        return servers;
    }

    public PoolCounters counters(int loop) {
        return counters[loop];
    }

    public PoolCounters[] allCounters() {
        return counters;
    }

    public long serverEjects() {
        return serverEjects.get();
    }

    /** Client connections now open on this pool, across all loops. */
    public AtomicInteger clients() {
        return clients;
    }

    /**
     * The server for the key at {@code buf[index, index+length)}, or null when no server is live
     * (the caller answers "Connection refused", as twemproxy does).
     */
    public Server serverFor(ByteBuf buf, int index, int length) {
        Continuum c = current();
        if (c.isEmpty()) {
            return null;
        }
        if (servers.length == 1) {
            return servers[0];
        }
        if (config.distribution() == Distribution.RANDOM) {
            return servers[c.serverIndex(0)];
        }
        int start = index;
        int len = length;
        if (hasTag) {
            // As twemproxy: hash the text between the first tag[0] and the next tag[1];
            // an empty or unclosed tag hashes the whole key.
            int end = index + length;
            int open = buf.indexOf(index, end, tagOpen);
            if (open >= 0) {
                int close = buf.indexOf(open + 1, end, tagClose);
                if (close > open + 1) {
                    start = open + 1;
                    len = close - open - 1;
                }
            }
        }
        // twemproxy never hashes an empty key: it goes where hash 0 goes.
        return servers[c.serverIndex(len == 0 ? 0 : hash.hash(buf, start, len))];
    }

    /** Where commands without a key go: the server that "placeholder" hashes to, as in twemproxy. */
    public Server placeholderServer() {
        Continuum c = current();
        if (c.isEmpty()) {
            return null;
        }
        if (servers.length == 1) {
            return servers[0];
        }
        if (config.distribution() == Distribution.RANDOM) {
            return servers[c.serverIndex(0)];
        }
        return servers[c.serverIndex(hash.hash(PLACEHOLDER))];
    }

    /** Same as {@link #serverFor} but returns the index, or -1 when no server is live. */
    public int serverIndexFor(ByteBuf buf, int index, int length) {
        Server s = serverFor(buf, index, length);
        return s == null ? -1 : s.index();
    }

    private Continuum current() {
        long rebuildAt = nextRebuild;
        if (rebuildAt != 0 && System.currentTimeMillis() >= rebuildAt) {
            rebuild();
        }
        return continuum;
    }

    void eject(Server server) {
        long now = System.currentTimeMillis();
        synchronized (this) {
            server.ejectedUntil = now + config.serverRetryTimeout();
            server.ejectedAtMicros = now * 1000;
            serverEjects.incrementAndGet();
            rebuildLocked(now);
        }
    }

    public void inheritEjects(long n) {
        serverEjects.addAndGet(n);
    }

    /** Rebuilds the ring now, e.g. after inheriting ejections from a predecessor. */
    public void rebuildNow() {
        rebuild();
    }

    /** Rebuilds the ring from the servers that are live now; rare (start, eject, return). */
    private void rebuild() {
        synchronized (this) {
            rebuildLocked(System.currentTimeMillis());
        }
    }

    private void rebuildLocked(long now) {
        List<Continuum.Node> nodes = new ArrayList<>(servers.length);
        long next = 0;
        for (Server s : servers) {
            boolean live = s.isLive(now);
            if (live) {
                s.ejectedUntil = 0;
            } else if (next == 0 || s.ejectedUntil < next) {
                next = s.ejectedUntil;
            }
            nodes.add(new Continuum.Node(s.name(), s.spec().weight(), live));
        }
        continuum = Continuum.build(config.distribution(), nodes);
        nextRebuild = next;
    }
}
