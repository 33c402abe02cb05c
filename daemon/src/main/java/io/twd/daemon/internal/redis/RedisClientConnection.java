package io.twd.daemon.internal.redis;

import com.google.gson.JsonObject;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.CharsetUtil;
import io.twd.daemon.internal.pool.Server;
import io.twd.daemon.internal.pool.ServerPool;
import io.twd.daemon.internal.proxy.Buffers;
import io.twd.daemon.internal.proxy.ClientConnection;
import io.twd.daemon.internal.proxy.Engine;
import io.twd.daemon.internal.proxy.Request;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A redis client: answers what the proxy answers itself (PING, QUIT, AUTH), enforces
 * {@code redis_auth}, routes single-key commands by key with their bytes untouched, and splits
 * MGET/DEL/UNLINK/TOUCH/EXISTS/MSET across servers, merging the replies in key order.
 */
public final class RedisClientConnection extends ClientConnection {
    private static final ByteBuf OK = constant("+OK\r\n");
    private static final ByteBuf PONG = constant("+PONG\r\n");
    private static final ByteBuf NOAUTH = constant("-NOAUTH Authentication required\r\n");

    private static final String AUTHENTICATED = "authenticated";
    /** MGET replies up to this many bytes are merged by copying; larger ones by slicing. */
    private static final int COPY_MERGE_LIMIT = 16 * 1024;

    private final byte[] password;
    private boolean authenticated;

    /** {@code state} is what a predecessor process exported for a migrated connection, or null. */
    public RedisClientConnection(Engine engine, ServerPool pool, JsonObject state) {
        super(engine, pool);
        String auth = pool.config().redisAuth();
        this.password = auth == null ? null : auth.getBytes(StandardCharsets.UTF_8);
        boolean wasAuthenticated = state != null && state.has(AUTHENTICATED) && state.get(AUTHENTICATED).getAsBoolean();
        this.authenticated = password == null || wasAuthenticated;
    }

    @Override
    protected JsonObject exportState() {
        JsonObject state = new JsonObject();
        state.addProperty(AUTHENTICATED, authenticated);
        return state;
    }

    @Override
    protected void onMessage(Object msg) {
        if (msg instanceof RedisProtocolError) {
            countClientError();
            answerAndClose(newRequest(), errorReply("Protocol error: " + ((RedisProtocolError) msg).message()));
            return;
        }
        RedisRequest req = (RedisRequest) msg;
        Request r = newRequest();
        RedisCommand cmd = req.command();
        if (req.error() != null) {
            countClientError();
            answer(r, errorReply(req.error()));
        } else if (cmd == RedisCommand.QUIT) {
            // twemproxy closes without a reply; real redis says +OK first, and clients wait for it.
            answerAndClose(r, OK.duplicate());
        } else if (cmd == RedisCommand.AUTH) {
            answer(r, auth(req));
        } else if (!authenticated) {
            answer(r, NOAUTH.duplicate());
        } else if (cmd == RedisCommand.PING) {
            answer(r, PONG.duplicate());
        } else if (cmd.fragmented() && req.argCount() > (cmd == RedisCommand.MSET ? 3 : 2)) {
            fragment(req, r, cmd);
            return;
        } else {
            forwardWhole(req, r);
            return;
        }
        req.release();
    }

    private void forwardWhole(RedisRequest req, Request r) {
        int k = req.keyIndex();
        ByteBuf raw = req.raw();
        Server server = k < 0 ? pool.placeholderServer()
            : pool.serverFor(raw, raw.readerIndex() + req.argOffset(k), req.argLength(k));
        // The request's own bytes go to the backend: no re-encoding on the common path.
        setPayload(r, raw);
        forward(r, server);
    }

    private ByteBuf auth(RedisRequest req) {
        if (password == null) {
            return errorReply("Client sent AUTH, but no password is set");
        }
        // The decoder has checked the count: AUTH <password>, as twemproxy takes it.
        byte[] given = new byte[req.argLength(1)];
        req.arg(1).getBytes(0, given);
        authenticated = java.security.MessageDigest.isEqual(given, password);
        return authenticated ? OK.duplicate() : errorReply("invalid password");
    }

    /**
     * Splits a multi-key command into one sub-request per server (in server index order, as
     * twemproxy does). When every key lands on one server the original bytes go unchanged.
     */
    private void fragment(RedisRequest req, Request r, RedisCommand cmd) {
        int step = cmd == RedisCommand.MSET ? 2 : 1;
        int keys = (req.argCount() - 1) / step;
        ByteBuf raw = req.raw();
        int base = raw.readerIndex();
        Server[] servers = pool.servers();
        int[] keyServer = new int[keys];
        int first = -1;
        boolean single = true;
        for (int i = 0; i < keys; i++) {
            int a = 1 + i * step;
            int idx = pool.serverIndexFor(raw, base + req.argOffset(a), req.argLength(a));
            if (idx < 0) {
                setPayload(r, raw);
                forward(r, null);
                return;
            }
            keyServer[i] = idx;
            if (first < 0) {
                first = idx;
            } else if (idx != first) {
                single = false;
            }
        }
        if (single) {
            setPayload(r, raw);
            forward(r, servers[first]);
            return;
        }
        int[] perServer = new int[servers.length];
        for (int s : keyServer) {
            perServer[s]++;
        }
        int[] fragmentOf = new int[servers.length];
        Arrays.fill(fragmentOf, -1);
        int fragments = 0;
        for (int s = 0; s < servers.length; s++) {
            if (perServer[s] > 0) {
                fragmentOf[s] = fragments++;
            }
        }
        // Each key (or MSET key-value pair) is copied as the whole elements the client sent: in
        // a RESP array they are contiguous, so element a spans from the end of element a-1 to
        // the end of its own payload's CRLF. One copy per key, and the sizes are known up front.
        int[] size = new int[fragments];
        for (int i = 0; i < keys; i++) {
            int a = 1 + i * step;
            size[fragmentOf[keyServer[i]]] += elementEnd(req, a + step - 1) - elementEnd(req, a - 1);
        }
        ByteBuf[] payloads = new ByteBuf[fragments];
        Server[] targets = new Server[fragments];
        int[] position = new int[fragments];
        r.setKeyMapping(new int[keys], new int[keys]);
        int nameLength = req.argLength(0);
        for (int s = 0; s < servers.length; s++) {
            int f = fragmentOf[s];
            if (f >= 0) {
                targets[f] = servers[s];
                payloads[f] = channel.alloc().buffer(size[f] + nameLength + 32);
                RedisReplies.writeArrayHeader(payloads[f], 1 + perServer[s] * step);
                RedisReplies.writeBulk(payloads[f], raw, base + req.argOffset(0), nameLength);
            }
        }
        for (int i = 0; i < keys; i++) {
            int f = fragmentOf[keyServer[i]];
            r.keyFragment()[i] = f;
            r.keyPosition()[i] = position[f]++;
            int a = 1 + i * step;
            int from = elementEnd(req, a - 1);
            Buffers.append(payloads[f], raw, base + from, elementEnd(req, a + step - 1) - from);
        }
        r.setMessage(cmd);
        req.release();
        enqueueParent(r, fragments);
        for (int f = 0; f < fragments; f++) {
            sendFragment(r, f, payloads[f], targets[f]);
        }
    }

    /** Where argument {@code a}'s element ends (after its payload's CRLF), relative to raw's reader index. */
    private static int elementEnd(RedisRequest req, int a) {
        return req.argOffset(a) + req.argLength(a) + 2;
    }

    @Override
    protected ByteBuf mergeFragments(Request parent) {
        Request[] fragments = parent.fragments();
        for (Request f : fragments) {
            if (RedisReplies.isError(f.reply())) {
                return f.reply().retainedDuplicate();
            }
        }
        RedisCommand cmd = (RedisCommand) parent.message();
        if (cmd == RedisCommand.MSET) {
            return OK.duplicate();
        }
        if (cmd == RedisCommand.MGET) {
            return mergeMget(parent, fragments);
        }
        long sum = 0;
        for (Request f : fragments) {
            try {
                sum += RedisReplies.integer(f.reply());
            } catch (IllegalArgumentException e) {
                return errorReply("Invalid argument");
            }
        }
        return RedisReplies.integer(channel.alloc(), sum);
    }

    /** Rebuilds MGET's array in the client's key order from slices of the fragments' replies. */
    private ByteBuf mergeMget(Request parent, Request[] fragments) {
        int[][] elements = new int[fragments.length][];
        for (int f = 0; f < fragments.length; f++) {
            // twemproxy answers EINVAL when a fragment's reply is not the array it asked for.
            try {
                ByteBuf reply = fragments[f].reply();
                int n = RedisReplies.arrayLength(reply);
                if (n < 0) {
                    return errorReply("Invalid argument");
                }
                elements[f] = new int[2 * n];
                RedisReplies.arrayElements(reply, elements[f]);
            } catch (IllegalArgumentException e) {
                return errorReply("Invalid argument");
            }
        }
        int[] keyFragment = parent.keyFragment();
        int[] keyPosition = parent.keyPosition();
        int keys = keyFragment.length;
        long total = 0;
        for (int i = 0; i < keys; i++) {
            int[] el = elements[keyFragment[i]];
            int p = keyPosition[i];
            if (2 * p + 1 >= el.length) {
                return errorReply("Invalid argument");
            }
            total += el[2 * p + 1];
        }
        if (total <= COPY_MERGE_LIMIT) {
            // Small replies (the common case) are copied into one buffer: cheaper than a composite
            // of one slice per key, both to build and to write (one iovec instead of keys + 1).
            ByteBuf out = channel.alloc().buffer((int) total + 16);
            RedisReplies.writeArrayHeader(out, keys);
            for (int i = 0; i < keys; i++) {
                ByteBuf reply = fragments[keyFragment[i]].reply();
                int[] el = elements[keyFragment[i]];
                int p = keyPosition[i];
                Buffers.append(out, reply, reply.readerIndex() + el[2 * p], el[2 * p + 1]);
            }
            return out;
        }
        CompositeByteBuf out = channel.alloc().compositeBuffer(keys + 1);
        ByteBuf header = channel.alloc().buffer(16);
        RedisReplies.writeArrayHeader(header, keys);
        out.addComponent(true, header);
        for (int i = 0; i < keys; i++) {
            ByteBuf reply = fragments[keyFragment[i]].reply();
            int[] el = elements[keyFragment[i]];
            int p = keyPosition[i];
            out.addComponent(true, reply.retainedSlice(reply.readerIndex() + el[2 * p], el[2 * p + 1]));
        }
        return out;
    }

    @Override
    protected ByteBuf errorReply(String reason) {
        return RedisReplies.error(channel.alloc(), reason);
    }

    private static ByteBuf constant(String text) {
        return Unpooled.unreleasableBuffer(
            Unpooled.directBuffer().writeBytes(text.getBytes(CharsetUtil.US_ASCII)));
    }
}
