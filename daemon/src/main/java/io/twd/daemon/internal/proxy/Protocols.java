package io.twd.daemon.internal.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.twd.daemon.internal.redis.RedisReplies;
import io.twd.protocol.config.PoolConfig;

/** The few backend-side facts that differ between the redis and memcached protocols. */
final class Protocols {
    private Protocols() {
    }

    /**
     * What a new backend connection sends before any request: {@code AUTH} for {@code redis_auth}
     * and {@code SELECT} for {@code redis_db}, as twemproxy does; their replies are swallowed.
     */
    static ByteBuf preamble(PoolConfig pool, ByteBufAllocator alloc) {
        if (!pool.redis() || preambleReplies(pool) == 0) {
            return null;
        }
        ByteBuf out = alloc.buffer();
        if (pool.redisAuth() != null) {
            ByteBuf auth = RedisReplies.command(alloc, "AUTH", pool.redisAuth());
            out.writeBytes(auth);
            auth.release();
        }
        if (pool.redisDb() > 0) {
            ByteBuf select = RedisReplies.command(alloc, "SELECT", Integer.toString(pool.redisDb()));
            out.writeBytes(select);
            select.release();
        }
        return out;
    }

    static int preambleReplies(PoolConfig pool) {
        if (!pool.redis()) {
            return 0;
        }
        return (pool.redisAuth() != null ? 1 : 0) + (pool.redisDb() > 0 ? 1 : 0);
    }

    static boolean isErrorReply(PoolConfig pool, ByteBuf reply) {
        return pool.redis() && RedisReplies.isError(reply);
    }

    /** Replies twemproxy counts as a server failure toward ejection: -OOM, -BUSY, -LOADING. */
    static boolean isFailureReply(PoolConfig pool, ByteBuf reply) {
        return pool.redis() && RedisReplies.isFailureError(reply);
    }
}
