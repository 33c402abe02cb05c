package io.twd.daemon.internal.memcache;

/**
 * How {@link MemcacheReplyDecoder} frames the reply to a request, kept on the request (as its
 * message) when it is sent. memcached's replies do not say where they end by themselves: a get
 * reply runs to {@code END}, a meta reply may carry a data block, everything else is one line.
 */
public enum ReplyKind {
    /** One line: storage, incr/decr, delete, touch, version. */
    LINE(false),
    /** get/gets/gat/gats: {@code VALUE <key> <flags> <bytes> [<cas>]} blocks, then {@code END}. */
    RETRIEVAL(false),
    /** Meta commands: one line, or {@code VA <size> <flags>*} and a data block. */
    META(false),
    /** {@code mg ... q} sent without q: a miss ({@code EN}) is dropped, as memcached would not send it. */
    QUIET_MISS(true),
    /** {@code ms/md ... q} sent without q: success ({@code HD}) is dropped. */
    QUIET_SUCCESS(true),
    /**
     * {@code ma ... q} (without {@code N}) sent without q: success is dropped, {@code HD} and, as
     * memcached 1.6 does, {@code VA} too. With {@code N} a VA may also mean "created", which
     * memcached reports even in quiet mode, so {@link #QUIET_SUCCESS} is used there.
     */
    QUIET_ARITHMETIC(true);

    private final boolean quiet;

    ReplyKind(boolean quiet) {
        this.quiet = quiet;
    }

    /** Quiet kinds are framed as {@link #META} and some of their replies are dropped. */
    public boolean quiet() {
        return quiet;
    }
}
