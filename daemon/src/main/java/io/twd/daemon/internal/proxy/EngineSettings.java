package io.twd.daemon.internal.proxy;

/**
 * Process-wide limits and sizes from the command line.
 *
 * @param threads event loops (default: the number of cores)
 * @param maxKeyLength the longest key accepted; twemproxy wants keys shorter than its mbuf size minus 48
 * @param maxMultibulkLength the most arguments one redis request may have
 * @param maxRequestBytes the largest request accepted, in bytes
 */
public record EngineSettings(int threads, int maxKeyLength, int maxMultibulkLength, long maxRequestBytes) {
    public static final int DEFAULT_MBUF_SIZE = 16384;

    public static EngineSettings defaults(int mbufSize) {
        return new EngineSettings(Runtime.getRuntime().availableProcessors(), mbufSize - 49, 1024 * 1024,
            512L * 1024 * 1024);
    }

    public EngineSettings withThreads(int n) {
        return new EngineSettings(n, maxKeyLength, maxMultibulkLength, maxRequestBytes);
    }
}
