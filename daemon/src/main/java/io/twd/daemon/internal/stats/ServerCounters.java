package io.twd.daemon.internal.stats;

/**
 * One event loop's counters for one backend server, named as in nutcracker's stats JSON.
 *
 * <p>Each instance is written by exactly one event-loop thread, so the hot path increments plain
 * fields with no atomics or locks. The stats reader sums all loops' instances from another thread:
 * such a read may be a moment stale, and 64-bit JVMs do not tear {@code long} fields.
 */
public final class ServerCounters {
    public long serverEof;
    public long serverErr;
    public long serverTimedout;
    public long serverConnections;
    public long requests;
    public long requestBytes;
    public long responses;
    public long responseBytes;
    public long inQueue;
    public long inQueueBytes;
    public long outQueue;
    public long outQueueBytes;

    void addTo(long[] sum) {
        sum[0] += serverEof;
        sum[1] += serverErr;
        sum[2] += serverTimedout;
        sum[3] += serverConnections;
        sum[4] += requests;
        sum[5] += requestBytes;
        sum[6] += responses;
        sum[7] += responseBytes;
        sum[8] += inQueue;
        sum[9] += inQueueBytes;
        sum[10] += outQueue;
        sum[11] += outQueueBytes;
    }

    /** Field names in nutcracker's order, matching {@link #addTo}; {@code server_ejected_at} goes after connections. */
    static final String[] NAMES = {
        "server_eof", "server_err", "server_timedout", "server_connections",
        "requests", "request_bytes", "responses", "response_bytes",
        "in_queue", "in_queue_bytes", "out_queue", "out_queue_bytes",
    };
}
