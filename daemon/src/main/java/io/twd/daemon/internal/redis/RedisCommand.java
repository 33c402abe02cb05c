package io.twd.daemon.internal.redis;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The redis commands twd knows by name: everything twemproxy 0.5.0 forwards or answers, with
 * twemproxy's argument class ({@code redis_arg0} ... {@code redis_nokey} in {@code nc_redis.c}),
 * plus the real redis commands it refuses, so that a refusal can name the command instead of
 * calling it unknown.
 *
 * <p>Deliberate differences from twemproxy: EXISTS is {@link Arity#ARGX} and fragmented (twemproxy
 * sends the whole command to the first key's server and returns a partial count); PING, QUIT and
 * AUTH are {@link Arity#LOCAL}; MOVE is unsupported (twemproxy parses it but then closes the
 * connection, as nothing answers a {@code noforward} MOVE).
 */
public enum RedisCommand {
    // ---- answered by the proxy itself
    PING(Arity.LOCAL), QUIT(Arity.LOCAL), AUTH(Arity.LOCAL),

    // ---- forwarded to the server of the key "placeholder"
    COMMAND(Arity.ARGZ),
    LOLWUT(Arity.NOKEY),

    // ---- key only
    PERSIST(Arity.ARG0), PTTL(Arity.ARG0), TTL(Arity.ARG0), TYPE(Arity.ARG0), DUMP(Arity.ARG0),
    DECR(Arity.ARG0), GET(Arity.ARG0), GETDEL(Arity.ARG0), INCR(Arity.ARG0), STRLEN(Arity.ARG0),
    HGETALL(Arity.ARG0), HKEYS(Arity.ARG0), HLEN(Arity.ARG0), HVALS(Arity.ARG0),
    LLEN(Arity.ARG0), SCARD(Arity.ARG0), SMEMBERS(Arity.ARG0), ZCARD(Arity.ARG0),

    // ---- key + exactly one argument
    EXPIRE(Arity.ARG1), EXPIREAT(Arity.ARG1), PEXPIRE(Arity.ARG1), PEXPIREAT(Arity.ARG1),
    APPEND(Arity.ARG1), DECRBY(Arity.ARG1), GETBIT(Arity.ARG1), GETSET(Arity.ARG1),
    INCRBY(Arity.ARG1), INCRBYFLOAT(Arity.ARG1), SETNX(Arity.ARG1),
    HEXISTS(Arity.ARG1), HGET(Arity.ARG1), HSTRLEN(Arity.ARG1),
    LINDEX(Arity.ARG1), RPOPLPUSH(Arity.ARG1), SISMEMBER(Arity.ARG1),
    ZRANK(Arity.ARG1), ZREVRANK(Arity.ARG1), ZSCORE(Arity.ARG1),

    // ---- key + exactly two arguments
    GETRANGE(Arity.ARG2), PSETEX(Arity.ARG2), SETBIT(Arity.ARG2), SETEX(Arity.ARG2), SETRANGE(Arity.ARG2),
    HINCRBY(Arity.ARG2), HINCRBYFLOAT(Arity.ARG2), HSETNX(Arity.ARG2),
    LRANGE(Arity.ARG2), LREM(Arity.ARG2), LSET(Arity.ARG2), LTRIM(Arity.ARG2), SMOVE(Arity.ARG2),
    ZCOUNT(Arity.ARG2), ZLEXCOUNT(Arity.ARG2), ZINCRBY(Arity.ARG2),
    ZREMRANGEBYLEX(Arity.ARG2), ZREMRANGEBYRANK(Arity.ARG2), ZREMRANGEBYSCORE(Arity.ARG2),

    // ---- key + exactly three arguments
    LINSERT(Arity.ARG3), LMOVE(Arity.ARG3),

    // ---- key + any number of arguments (twemproxy's redis_argn; SET with options lives here too)
    SORT(Arity.ARGN), COPY(Arity.ARGN), BITCOUNT(Arity.ARGN), BITPOS(Arity.ARGN), BITFIELD(Arity.ARGN),
    GETEX(Arity.ARGN), SET(Arity.ARGN), RESTORE(Arity.ARGN),
    HDEL(Arity.ARGN), HMGET(Arity.ARGN), HMSET(Arity.ARGN), HSCAN(Arity.ARGN), HSET(Arity.ARGN),
    HRANDFIELD(Arity.ARGN),
    LPUSH(Arity.ARGN), LPUSHX(Arity.ARGN), RPUSH(Arity.ARGN), RPUSHX(Arity.ARGN),
    LPOP(Arity.ARGN), RPOP(Arity.ARGN), LPOS(Arity.ARGN),
    SADD(Arity.ARGN), SDIFF(Arity.ARGN), SDIFFSTORE(Arity.ARGN), SINTER(Arity.ARGN),
    SINTERSTORE(Arity.ARGN), SREM(Arity.ARGN), SUNION(Arity.ARGN), SUNIONSTORE(Arity.ARGN),
    SRANDMEMBER(Arity.ARGN), SSCAN(Arity.ARGN), SPOP(Arity.ARGN), SMISMEMBER(Arity.ARGN),
    PFADD(Arity.ARGN), PFMERGE(Arity.ARGN), PFCOUNT(Arity.ARGN),
    ZADD(Arity.ARGN), ZDIFF(Arity.ARGN), ZDIFFSTORE(Arity.ARGN), ZINTER(Arity.ARGN),
    ZINTERSTORE(Arity.ARGN), ZMSCORE(Arity.ARGN), ZPOPMAX(Arity.ARGN), ZPOPMIN(Arity.ARGN),
    ZRANDMEMBER(Arity.ARGN), ZRANGE(Arity.ARGN), ZRANGEBYLEX(Arity.ARGN), ZRANGEBYSCORE(Arity.ARGN),
    ZRANGESTORE(Arity.ARGN), ZREM(Arity.ARGN), ZREVRANGE(Arity.ARGN), ZREVRANGEBYLEX(Arity.ARGN),
    ZREVRANGEBYSCORE(Arity.ARGN), ZSCAN(Arity.ARGN), ZUNION(Arity.ARGN), ZUNIONSTORE(Arity.ARGN),
    GEODIST(Arity.ARGN), GEOPOS(Arity.ARGN), GEOHASH(Arity.ARGN), GEOADD(Arity.ARGN),
    GEORADIUS(Arity.ARGN), GEORADIUSBYMEMBER(Arity.ARGN), GEOSEARCH(Arity.ARGN),
    GEOSEARCHSTORE(Arity.ARGN),

    // ---- one or more keys, split per server
    MGET(Arity.ARGX, true), DEL(Arity.ARGX, true), UNLINK(Arity.ARGX, true), TOUCH(Arity.ARGX, true),
    EXISTS(Arity.ARGX, true),

    // ---- key/value pairs, split per server
    MSET(Arity.ARGKVX, true),

    // ---- script numkeys key... arg..., routed by the first key
    EVAL(Arity.ARGEVAL), EVALSHA(Arity.ARGEVAL),

    // ---- known to redis, refused by the proxy: keyspace-wide, multi-key without a routable
    // first key, blocking, connection state, pub/sub, transactions, scripting admin, server admin
    KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX, OBJECT, MIGRATE, MOVE, WAIT, WAITAOF, EXPIRETIME,
    PEXPIRETIME, SORT_RO, BITOP, BITFIELD_RO, MSETNX, STRALGO, LCS, SUBSTR,
    BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, LMPOP, BZPOPMIN, BZPOPMAX, BZMPOP, ZMPOP,
    SINTERCARD, ZINTERCARD, GEORADIUS_RO, GEORADIUSBYMEMBER_RO, PFDEBUG, PFSELFTEST,
    SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH, SPUBLISH,
    PUBSUB, MULTI, EXEC, DISCARD, WATCH, UNWATCH,
    SCRIPT, EVAL_RO, EVALSHA_RO, FUNCTION, FCALL, FCALL_RO,
    ECHO, SELECT, CLIENT, HELLO, RESET, SWAPDB,
    INFO, DBSIZE, FLUSHALL, FLUSHDB, CONFIG, TIME, MONITOR, SLOWLOG, SAVE, BGSAVE, BGREWRITEAOF,
    LASTSAVE, SHUTDOWN, SLAVEOF, REPLICAOF, SYNC, PSYNC, REPLCONF, ROLE, DEBUG, FAILOVER, ACL,
    MEMORY, MODULE, LATENCY, CLUSTER, READONLY, READWRITE, ASKING;

    /** Argument classes, after twemproxy's request parser. */
    public enum Arity {
        /** Exactly 0 arguments, no key (COMMAND). */
        ARGZ,
        /** Key only. */
        ARG0,
        /** Key + exactly 1 argument. */
        ARG1,
        /** Key + exactly 2 arguments. */
        ARG2,
        /** Key + exactly 3 arguments. */
        ARG3,
        /** Key + any number of arguments. */
        ARGN,
        /** One or more keys (MGET, DEL, UNLINK, TOUCH, EXISTS). */
        ARGX,
        /** Key/value pairs (MSET). */
        ARGKVX,
        /** {@code script numkeys key... arg...} with numkeys >= 1 (EVAL, EVALSHA). */
        ARGEVAL,
        /** Any arguments, no key (LOLWUT); also the class of every unsupported command. */
        NOKEY,
        /** Answered by the proxy: PING, QUIT, AUTH. */
        LOCAL;

        /** Index of the routing key argument, or -1 when the class has no key. */
        public int keyIndex() {
            switch (this) {
                case ARGZ: case NOKEY: case LOCAL: return -1;
                case ARGEVAL: return 3;
                default: return 1;
            }
        }
    }

    /** Name lengths outside this range are rejected before hashing. */
    private static final int MIN_NAME;
    /** The longest command name, in bytes: the size of a scratch array for {@link #lookup}. */
    static final int MAX_NAME;
    /** Open addressing over the lowercase names; at most a quarter full, so probes stay short. */
    private static final RedisCommand[] TABLE;

    static {
        RedisCommand[] all = values();
        int size = Integer.highestOneBit(all.length * 4) << 1;
        RedisCommand[] table = new RedisCommand[size];
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (RedisCommand c : all) {
            int slot = hash(c.nameBytes, c.nameBytes.length) & (size - 1);
            while (table[slot] != null) {
                slot = (slot + 1) & (size - 1);
            }
            table[slot] = c;
            min = Math.min(min, c.nameBytes.length);
            max = Math.max(max, c.nameBytes.length);
        }
        TABLE = table;
        MIN_NAME = min;
        MAX_NAME = max;
    }

    private final byte[] nameBytes;
    private final String lowerName;
    private final Arity arity;
    private final boolean supported;
    private final boolean fragmented;

    RedisCommand(Arity arity, boolean fragmented) {
        this.lowerName = name().toLowerCase(Locale.ROOT);
        this.nameBytes = lowerName.getBytes(StandardCharsets.US_ASCII);
        this.arity = arity;
        this.supported = true;
        this.fragmented = fragmented;
    }

    RedisCommand(Arity arity) {
        this(arity, false);
    }

    /** An unsupported command: its arguments are never looked at, so its class is moot. */
    RedisCommand() {
        this.lowerName = name().toLowerCase(Locale.ROOT);
        this.nameBytes = lowerName.getBytes(StandardCharsets.US_ASCII);
        this.arity = Arity.NOKEY;
        this.supported = false;
        this.fragmented = false;
    }

    public String lowerName() {
        return lowerName;
    }

    public Arity arity() {
        return arity;
    }

    /** False for commands the proxy refuses; such requests carry an error and are never forwarded. */
    public boolean supported() {
        return supported;
    }

    /** True for the multi-key commands the engine splits per server and merges. */
    public boolean fragmented() {
        return fragmented;
    }

    /**
     * Whether a request of {@code argCount} elements (command name included) has the right shape
     * for this command's class. EVAL only needs its script and numkeys here: the decoder checks
     * numkeys against the count itself, to give a more useful message than an arity error.
     */
    boolean acceptsArgCount(int argCount) {
        switch (arity) {
            case ARGZ: return argCount == 1;
            case ARG0: return argCount == 2;
            case ARG1: return argCount == 3;
            case ARG2: return argCount == 4;
            case ARG3: return argCount == 5;
            case ARGN: case ARGX: return argCount >= 2;
            case ARGKVX: return argCount >= 3 && (argCount & 1) == 1;
            case ARGEVAL: return argCount >= 3;
            // twemproxy's counts: PING and QUIT take nothing, AUTH only a password (no username).
            case LOCAL: return argCount == (this == AUTH ? 2 : 1);
            default: return true; // NOKEY
        }
    }

    /**
     * Finds the command named by {@code length} bytes at {@code index} of {@code buf}, ignoring
     * ASCII case, without allocating; null if the name is not a known command. {@code scratch}
     * (at least {@link #MAX_NAME} bytes, the caller's own) receives a lower-case copy of the
     * name: one copy of a few bytes costs less than a bounds and liveness check per getByte.
     */
    static RedisCommand lookup(ByteBuf buf, int index, int length, byte[] scratch) {
        if (length < MIN_NAME || length > MAX_NAME) {
            return null;
        }
        buf.getBytes(index, scratch, 0, length);
        for (int i = 0; i < length; i++) {
            scratch[i] = lower(scratch[i]);
        }
        int mask = TABLE.length - 1;
        for (int slot = hash(scratch, length) & mask; ; slot = (slot + 1) & mask) {
            RedisCommand c = TABLE[slot];
            if (c == null) {
                return null;
            }
            if (Arrays.equals(c.nameBytes, 0, c.nameBytes.length, scratch, 0, length)) {
                return c;
            }
        }
    }

    private static int hash(byte[] lowercase, int length) {
        int h = 0;
        for (int i = 0; i < length; i++) {
            h = 31 * h + lowercase[i];
        }
        return mix(h);
    }

    /** Spreads the polynomial hash so its low bits (the slot) depend on every byte. */
    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
    }
}
