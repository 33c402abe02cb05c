package io.twd.daemon.internal.memcache;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * The memcached ASCII commands twd knows by name: what twemproxy 0.5.0 forwards (get, gets, the
 * storage commands, cas, incr, decr, delete, touch, version, quit), what twd adds (gat, gats and
 * the meta commands), and memcached's other commands, which are refused by name rather than
 * called unknown. Names are case-sensitive, as in memcached: {@code GET} is not a command.
 */
public enum MemcacheCommand {
    // ---- retrieval: one or more keys, split per server and merged back in key order
    GET(Type.RETRIEVAL), GETS(Type.RETRIEVAL),
    /** {@code gat <exptime> <key>*}: like get, the keys start at the third token. */
    GAT(Type.RETRIEVAL), GATS(Type.RETRIEVAL),

    // ---- storage: a command line, then a data block of <bytes> bytes and CRLF
    SET(Type.STORAGE), ADD(Type.STORAGE), REPLACE(Type.STORAGE), APPEND(Type.STORAGE),
    PREPEND(Type.STORAGE), CAS(Type.STORAGE),

    // ---- one key, one reply line
    INCR(Type.KEYED), DECR(Type.KEYED), DELETE(Type.KEYED), TOUCH(Type.KEYED),

    // ---- meta commands, routed by their key (ms carries a data block)
    MG(Type.META), MS(Type.META), MD(Type.META), MA(Type.META), ME(Type.META),

    // ---- no key: sent to the server of the key "placeholder", as twemproxy does
    VERSION(Type.KEYLESS),

    // ---- answered by the proxy itself
    QUIT(Type.LOCAL), MN(Type.LOCAL),

    // ---- real memcached commands that make no sense through a sharding proxy
    STATS(Type.UNSUPPORTED), FLUSH_ALL(Type.UNSUPPORTED), VERBOSITY(Type.UNSUPPORTED),
    SHUTDOWN(Type.UNSUPPORTED), SLABS(Type.UNSUPPORTED), LRU(Type.UNSUPPORTED),
    LRU_CRAWLER(Type.UNSUPPORTED), WATCH(Type.UNSUPPORTED), CACHE_MEMLIMIT(Type.UNSUPPORTED),
    BGET(Type.UNSUPPORTED), MISBEHAVE(Type.UNSUPPORTED), EXTSTORE(Type.UNSUPPORTED),
    REFRESH_CERTS(Type.UNSUPPORTED), DEBUGTIME(Type.UNSUPPORTED);

    /** What the decoder and the client connection do with a command. */
    public enum Type { RETRIEVAL, STORAGE, KEYED, META, KEYLESS, LOCAL, UNSUPPORTED }

    private static final MemcacheCommand[] VALUES = values();
    private static final int MAX_NAME;

    static {
        int max = 0;
        for (MemcacheCommand c : VALUES) {
            max = Math.max(max, c.nameBytes.length);
        }
        MAX_NAME = max;
    }

    private final Type type;
    private final String lowerName;
    private final byte[] nameBytes;

    MemcacheCommand(Type type) {
        this.type = type;
        this.lowerName = name().toLowerCase(java.util.Locale.ROOT);
        this.nameBytes = lowerName.getBytes(StandardCharsets.US_ASCII);
    }

    public Type type() {
        return type;
    }

    /** The name as memcached spells it (lowercase). */
    public String lowerName() {
        return lowerName;
    }

    /** True for the commands whose request carries a data block (set ... cas, ms). */
    public boolean hasData() {
        return type == Type.STORAGE || this == MS;
    }

    /**
     * Finds the command named by the {@code length} bytes at {@code index} of {@code buf},
     * case-sensitively and without allocating; null if it is not a memcached command.
     */
    public static MemcacheCommand lookup(ByteBuf buf, int index, int length) {
        if (length < 2 || length > MAX_NAME) {
            return null;
        }
        byte first = buf.getByte(index);
        for (MemcacheCommand c : VALUES) {
            byte[] name = c.nameBytes;
            if (name.length == length && name[0] == first && matches(buf, index, name)) {
                return c;
            }
        }
        return null;
    }

    private static boolean matches(ByteBuf buf, int index, byte[] name) {
        for (int i = 1; i < name.length; i++) {
            if (buf.getByte(index + i) != name[i]) {
                return false;
            }
        }
        return true;
    }
}
