package io.twd.daemon.internal.stats;

/**
 * One event loop's counters for one pool. Single-writer, like {@link ServerCounters}; the values
 * that change off the event loops ({@code server_ejects}) live on the pool itself.
 */
public final class PoolCounters {
    public long clientEof;
    public long clientErr;
    public long clientConnections;
    public long forwardError;
    public long fragments;
}
