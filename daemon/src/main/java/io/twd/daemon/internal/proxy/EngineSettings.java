package io.twd.daemon.internal.proxy;

/**
 * Process-wide limits and sizes from the command line (see twd(8), "LIMITS").
 *
 * @param threads event loops (default: {@link #defaultThreads()})
 * @param maxKeyLength the longest key accepted; twemproxy wants keys shorter than its mbuf size minus 48
 * @param maxMultibulkLength the most arguments one redis request may have ({@code --max-multibulk-length})
 * @param maxRequestBytes the largest request accepted, in bytes ({@code --max-request-size})
 * @param maxPendingRequests requests a client may have outstanding before twd stops reading it
 *     until replies drain ({@code --client-max-pending}): backpressure, not an error
 * @param clientOutputLimit bytes of replies a client may leave unread in twd before it is closed
 *     ({@code --client-output-limit}); 0 means no limit
 */
public record EngineSettings(int threads, int maxKeyLength, int maxMultibulkLength, long maxRequestBytes,
                             int maxPendingRequests, long clientOutputLimit) {
    public static final int DEFAULT_MBUF_SIZE = 16384;
    public static final int DEFAULT_MAX_MULTIBULK_LENGTH = 1024 * 1024;
    public static final long DEFAULT_MAX_REQUEST_BYTES = 512L * 1024 * 1024;
    public static final int DEFAULT_MAX_PENDING_REQUESTS = 1024;
    public static final long DEFAULT_CLIENT_OUTPUT_LIMIT = 256L * 1024 * 1024;
    /** The memcached decoder needs room for one whole command line. */
    public static final long MIN_REQUEST_BYTES = 2048;
    /** More event loops than this is a typo, not a setting: each is a thread with its own backend connections. */
    public static final int MAX_THREADS = 1024;

    /**
     * Half the cores, at least one. A proxy shares its host with its clients or its backends (or
     * both), and they spend more CPU per request than twd does (about 2 to 1 in the benchmark);
     * an event loop beyond what twd needs does not add throughput there, only sleeps and
     * wake-ups: on 2 cores shared with redis, two loops cost 20-30% more CPU per request than
     * one and lost 8-14% of the throughput at pipeline 1 (docs/benchmarks.md). On a host given
     * to twd alone, {@code --threads} set to the number of cores is the better choice.
     */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    public static EngineSettings defaults(int mbufSize) {
        return new EngineSettings(defaultThreads(), mbufSize - 49,
            DEFAULT_MAX_MULTIBULK_LENGTH, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_PENDING_REQUESTS,
            DEFAULT_CLIENT_OUTPUT_LIMIT);
    }

    public EngineSettings withThreads(int n) {
        return new EngineSettings(n, maxKeyLength, maxMultibulkLength, maxRequestBytes, maxPendingRequests,
            clientOutputLimit);
    }

    public EngineSettings withLimits(int multibulk, long requestBytes, int pending, long outputLimit) {
        return new EngineSettings(threads, maxKeyLength, multibulk, requestBytes, pending, outputLimit);
    }
}
