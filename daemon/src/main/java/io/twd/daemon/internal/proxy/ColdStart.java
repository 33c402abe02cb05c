package io.twd.daemon.internal.proxy;

import io.twd.daemon.internal.memcache.MemcacheClientConnection;
import io.twd.daemon.internal.memcache.MemcacheCommand;
import io.twd.daemon.internal.memcache.MemcacheProtocolError;
import io.twd.daemon.internal.memcache.MemcacheReplies;
import io.twd.daemon.internal.memcache.MemcacheReplyDecoder;
import io.twd.daemon.internal.memcache.MemcacheRequest;
import io.twd.daemon.internal.memcache.MemcacheRequestDecoder;
import io.twd.daemon.internal.memcache.ReplyKind;
import io.twd.daemon.internal.pool.ServerPool;
import io.twd.daemon.internal.redis.RedisClientConnection;
import io.twd.daemon.internal.redis.RedisCommand;
import io.twd.daemon.internal.redis.RedisProtocolError;
import io.twd.daemon.internal.redis.RedisReplies;
import io.twd.daemon.internal.redis.RedisReplyDecoder;
import io.twd.daemon.internal.redis.RedisRequest;
import io.twd.daemon.internal.redis.RedisRequestDecoder;

/**
 * What a new process does once before it serves, so that its first requests do not: it
 * initialises the classes of the request path (the command tables among them) and routes a key
 * in every pool (the hash function and the continuum). No I/O, no counters touched.
 *
 * <p>Why: a successor serves the connections it adopts right after GO, while they wait. Class
 * initialisation there came on top of a cold JVM's interpreter and of a CPU shared with its own
 * JIT compiler threads and with the old process. Done before READY, it is part of the apply time
 * instead, which nobody waits on. Only initialisation: running the request path itself would
 * make the JIT compile it for a warm-up's types and paths, not for the clients'.
 */
final class ColdStart {
    private ColdStart() {
    }

    static void prepare(ServerPool[] pools) {
        boolean redis = false;
        boolean memcache = false;
        for (ServerPool pool : pools) {
            pool.placeholderServer();
            if (pool.config().redis()) {
                redis = true;
            } else {
                memcache = true;
            }
        }
        initialize(ClientConnection.class, ClientRequestDecoder.class, Request.class, FramedRequest.class,
            WriteBatch.class, Buffers.class);
        if (redis) {
            initialize(RedisClientConnection.class, RedisRequestDecoder.class, RedisCommand.class,
                RedisRequest.class, RedisReplyDecoder.class, RedisReplies.class, RedisProtocolError.class);
        }
        if (memcache) {
            initialize(MemcacheClientConnection.class, MemcacheRequestDecoder.class, MemcacheCommand.class,
                MemcacheRequest.class, MemcacheReplyDecoder.class, MemcacheReplies.class, ReplyKind.class,
                MemcacheProtocolError.class);
        }
    }

    private static void initialize(Class<?>... classes) {
        for (Class<?> c : classes) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // A static initialiser that fails (ExceptionInInitializerError) would fail the
                // first request too: better the handoff now, with a reason, than a successor
                // that serves errors. An Error would not reach the caller's failure path.
                throw new IllegalStateException("cannot initialise " + c.getName() + ": " + e, e);
            }
        }
    }
}
