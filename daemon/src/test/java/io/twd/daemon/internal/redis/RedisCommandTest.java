package io.twd.daemon.internal.redis;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.twd.daemon.internal.redis.RedisCommand.Arity;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisCommandTest {
    /**
     * twemproxy 0.5.0's classes (redis_argz ... redis_nokey in src/proto/nc_redis.c) for every
     * command of the reference's section 2.2, except where twd deliberately differs: EXISTS is
     * ARGX (twemproxy: argn), PING/QUIT/AUTH are LOCAL (twemproxy: argz, argz, arg0).
     */
    private static final Map<String, Arity> TWEMPROXY = new HashMap<>();

    static {
        classes(Arity.LOCAL, "ping quit auth");
        classes(Arity.ARGZ, "command");
        classes(Arity.NOKEY, "lolwut");
        classes(Arity.ARG0, "persist pttl ttl type dump decr get getdel incr strlen hgetall hkeys hlen hvals llen "
                + "scard smembers zcard");
        classes(Arity.ARG1, "expire expireat pexpire pexpireat append decrby getbit getset incrby incrbyfloat setnx "
                + "hexists hget hstrlen lindex rpoplpush sismember zrank zrevrank zscore");
        classes(Arity.ARG2, "getrange psetex setbit setex setrange hincrby hincrbyfloat hsetnx lrange lrem lset ltrim "
                + "smove zcount zlexcount zincrby zremrangebylex zremrangebyrank zremrangebyscore");
        classes(Arity.ARG3, "linsert lmove");
        classes(Arity.ARGN, "sort copy bitcount bitpos bitfield getex set hdel hmget hmset hscan hset hrandfield "
                + "lpush lpushx rpush rpushx lpop rpop lpos sadd sdiff sdiffstore sinter sinterstore srem sunion "
                + "sunionstore srandmember sscan spop smismember pfadd pfmerge pfcount zadd zdiff zdiffstore zinter "
                + "zinterstore zmscore zpopmax zpopmin zrandmember zrange zrangebylex zrangebyscore zrangestore zrem "
                + "zrevrange zrevrangebylex zrevrangebyscore zscan zunion zunionstore geodist geopos geohash geoadd "
                + "georadius georadiusbymember geosearch geosearchstore restore");
        classes(Arity.ARGX, "mget del unlink touch exists");
        classes(Arity.ARGKVX, "mset");
        classes(Arity.ARGEVAL, "eval evalsha");
    }

    private static void classes(Arity arity, String names) {
        for (String name : names.split(" ")) {
            assertNull(TWEMPROXY.put(name, arity), name);
        }
    }

    private static final String UNSUPPORTED = "keys scan randomkey rename renamenx object migrate bitop msetnx stralgo "
            + "blpop brpop brpoplpush blmove bzpopmin bzpopmax subscribe psubscribe unsubscribe punsubscribe publish "
            + "multi exec discard watch unwatch script echo select move info dbsize flushall flushdb config client time "
            + "monitor slowlog save bgsave bgrewriteaof lastsave shutdown slaveof replicaof sync psync debug cluster "
            + "readonly readwrite wait swapdb hello reset failover acl memory module latency";

    private static RedisCommand lookup(String name) {
        ByteBuf buf = Unpooled.wrappedBuffer(("xx" + name + "yy").getBytes(StandardCharsets.ISO_8859_1));
        return RedisCommand.lookup(buf, 2, name.length(), new byte[RedisCommand.MAX_NAME]);
    }

    @Test
    void supportsExactlyTwemproxysCommandsWithItsClasses() {
        Set<RedisCommand> supported = EnumSet.noneOf(RedisCommand.class);
        for (Map.Entry<String, Arity> e : TWEMPROXY.entrySet()) {
            RedisCommand c = lookup(e.getKey());
            assertNotNull(c, e.getKey());
            assertTrue(c.supported(), e.getKey());
            assertEquals(e.getValue(), c.arity(), e.getKey());
            supported.add(c);
        }
        for (RedisCommand c : RedisCommand.values()) {
            assertEquals(supported.contains(c), c.supported(), c.lowerName());
        }
        assertEquals(136, supported.size(), "twemproxy 0.5.0 parses 137 commands; MOVE is refused");
    }

    @Test
    void refusedCommandsAreKnownByName() {
        for (String name : UNSUPPORTED.split(" ")) {
            RedisCommand c = lookup(name);
            assertNotNull(c, name);
            assertFalse(c.supported(), name);
            assertEquals(name, c.lowerName());
        }
    }

    @Test
    void fragmentedCommands() {
        Set<RedisCommand> fragmented = EnumSet.noneOf(RedisCommand.class);
        for (RedisCommand c : RedisCommand.values()) {
            if (c.fragmented()) {
                fragmented.add(c);
            }
        }
        assertEquals(EnumSet.of(RedisCommand.MGET, RedisCommand.DEL, RedisCommand.UNLINK, RedisCommand.TOUCH,
                RedisCommand.MSET, RedisCommand.EXISTS), fragmented);
    }

    @Test
    void keyIndexByClass() {
        assertEquals(1, Arity.ARG0.keyIndex());
        assertEquals(1, Arity.ARGN.keyIndex());
        assertEquals(1, Arity.ARGX.keyIndex());
        assertEquals(1, Arity.ARGKVX.keyIndex());
        assertEquals(3, Arity.ARGEVAL.keyIndex());
        assertEquals(-1, Arity.ARGZ.keyIndex());
        assertEquals(-1, Arity.NOKEY.keyIndex());
        assertEquals(-1, Arity.LOCAL.keyIndex());
    }

    @Test
    void lookupIgnoresCaseAndRejectsEverythingElse() {
        for (RedisCommand c : RedisCommand.values()) {
            assertSame(c, lookup(c.lowerName()));
            assertSame(c, lookup(c.lowerName().toUpperCase(Locale.ROOT)));
            assertSame(c, lookup(c.lowerName().substring(0, 1).toUpperCase(Locale.ROOT) + c.lowerName().substring(1)));
            assertNull(lookup(c.lowerName() + "#"));
            assertNull(lookup(c.lowerName().substring(0, c.lowerName().length() - 1) + "#"));
        }
        for (String name : new String[] {"", "g", "ge", "gex", "foo", "get\u0000", "g\u00e9t", "georadiusbymemberx_ro_long",
                "GET\r\n", "eval ro", "evalXro"}) {
            assertNull(lookup(name), name);
        }
    }

    @Test
    void lookupDoesNotAllocate() {
        ByteBuf buf = Unpooled.wrappedBuffer("ZREVRANGEBYSCORE".getBytes(StandardCharsets.US_ASCII));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        byte[] scratch = new byte[RedisCommand.MAX_NAME];
        for (int i = 0; i < 100_000; i++) {
            RedisCommand.lookup(buf, 0, buf.readableBytes(), scratch);
        }
        long before = threads.getThreadAllocatedBytes(id);
        int found = 0;
        for (int i = 0; i < 100_000; i++) {
            found += RedisCommand.lookup(buf, 0, buf.readableBytes(), scratch) == RedisCommand.ZREVRANGEBYSCORE ? 1 : 0;
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertEquals(100_000, found);
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes");
    }
}
