package io.twd.daemon.internal.proxy;

/**
 * Process-wide limits and sizes from the command line (see twd(8), "LIMITS").
 *
 * @param threads event loops (default: the number of cores)
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

    public static EngineSettings defaults(int mbufSize) {
        return new EngineSettings(Runtime.getRuntime().availableProcessors(), mbufSize - 49,
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
