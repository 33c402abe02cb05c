package io.twd.daemon.internal.pool;

import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.NetUtil;
import io.twd.daemon.internal.stats.ServerCounters;
import io.twd.protocol.config.ServerSpec;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend server of a pool. Connections to it are kept per event loop (a client's backend
 * connections live on the client's own loop), so the slots are indexed by loop, then by
 * {@code server_connections} slot, and each loop only ever touches its own row.
 */
public final class Server {
    private final ServerPool pool;
    private final int index;
    private final ServerSpec spec;
    private final ServerCounters[] counters;
    private final Object[][] connections;
    private final int[] nextSlot;

    private final AtomicInteger failures = new AtomicInteger();
    /** Wall-clock millis until which the server is out of the ring; 0 when live. */
    volatile long ejectedUntil;
    /** Microseconds since the epoch of the last ejection, for {@code server_ejected_at}. */
    volatile long ejectedAtMicros;

    Server(ServerPool pool, int index, ServerSpec spec, int loops) {
        this.pool = pool;
        this.index = index;
        this.spec = spec;
        this.counters = new ServerCounters[loops];
        this.connections = new Object[loops][pool.config().serverConnections()];
        this.nextSlot = new int[loops];
        for (int i = 0; i < loops; i++) {
            counters[i] = new ServerCounters();
        }
    }

    public ServerPool pool() {
        return pool;
    }

    public int index() {
        return index;
    }

    public String name() {
        return spec.name();
    }

    public ServerSpec spec() {
        return spec;
    }

    public ServerCounters counters(int loop) {
        return counters[loop];
    }

    public ServerCounters[] allCounters() {
        return counters;
    }

    public long ejectedAtMicros() {
        return ejectedAtMicros;
    }

    public long ejectedUntil() {
        return ejectedUntil;
    }

    /** A predecessor ejected this server: it stays out until the same moment here. */
    public void inheritEjection(long until, long atMicros) {
        if (until > System.currentTimeMillis()) {
            ejectedUntil = until;
        }
        if (atMicros > ejectedAtMicros) {
            ejectedAtMicros = atMicros;
        }
    }

    /**
     * The address to connect to. A host name is left unresolved, for the connect to resolve (off
     * the event loop) each time: twemproxy resolves server host names at connect time (and on
     * every reconnect), so a DNS change is picked up without a restart. An IP literal is parsed
     * here, with no lookup.
     */
    public SocketAddress address() {
        if (spec.isUnix()) {
            return new DomainSocketAddress(spec.path());
        }
        String host = spec.host();
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            return new InetSocketAddress(host, spec.port());
        }
        return InetSocketAddress.createUnresolved(host, spec.port());
    }

    /**
     * The connection slot to use next on {@code loop}, round-robin over {@code server_connections}
     * slots as twemproxy does; the caller fills an empty slot with a new connection.
     */
    public int nextSlot(int loop) {
        int n = connections[loop].length;
        if (n == 1) {
            return 0;
        }
        int slot = nextSlot[loop];
        nextSlot[loop] = slot + 1 == n ? 0 : slot + 1;
        return slot;
    }

    public Object connection(int loop, int slot) {
        return connections[loop][slot];
    }

    public void setConnection(int loop, int slot, Object connection) {
        connections[loop][slot] = connection;
    }

    /** Clears the slot only if it still holds {@code connection}. */
    public void clearConnection(int loop, Object connection) {
        Object[] row = connections[loop];
        for (int i = 0; i < row.length; i++) {
            if (row[i] == connection) {
                row[i] = null;
            }
        }
    }

    /** A reply arrived: the failure streak is over. */
    public void recordSuccess() {
        if (failures.get() != 0) {
            failures.set(0);
        }
    }

    /**
     * A connection failed, timed out or the server answered -OOM/-BUSY/-LOADING. With
     * {@code auto_eject_hosts}, enough consecutive failures take the server out of the ring for
     * {@code server_retry_timeout}.
     */
    public void recordFailure() {
        if (!pool.config().autoEjectHosts()) {
            return;
        }
        if (failures.incrementAndGet() >= pool.config().serverFailureLimit()) {
            failures.set(0);
            pool.eject(this);
        }
    }

    boolean isLive(long nowMillis) {
        return ejectedUntil == 0 || nowMillis >= ejectedUntil;
    }
}
