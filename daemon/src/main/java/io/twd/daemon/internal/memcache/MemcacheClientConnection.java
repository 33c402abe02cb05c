package io.twd.daemon.internal.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.twd.daemon.internal.pool.Server;
import io.twd.daemon.internal.pool.ServerPool;
import io.twd.daemon.internal.proxy.Buffers;
import io.twd.daemon.internal.proxy.ClientConnection;
import io.twd.daemon.internal.proxy.Engine;
import io.twd.daemon.internal.proxy.Request;

import java.util.Arrays;

/**
 * A memcached (ASCII protocol) client: answers what the proxy answers itself (quit, mn, and
 * requests it refuses), routes single-key commands by key with their bytes untouched, splits
 * multi-key retrievals (get, gets, gat, gats) across servers and merges the replies in key order.
 *
 * <p>{@code noreply} requests are sent and take no reply. Quiet meta commands ({@code q} flag)
 * are sent without the flag, so that every request has exactly one reply to match, and the
 * replies quiet mode suppresses are dropped on the way back (see {@link ReplyKind}).
 */
public final class MemcacheClientConnection extends ClientConnection {

    public MemcacheClientConnection(Engine engine, ServerPool pool) {
        super(engine, pool);
    }

    @Override
    protected void onMessage(Object msg) {
        if (msg instanceof MemcacheProtocolError) {
            countClientError();
            answerAndClose(newRequest(), line(((MemcacheProtocolError) msg).line()));
            return;
        }
        MemcacheRequest req = (MemcacheRequest) msg;
        Request r = newRequest();
        if (req.error() != null) {
            countClientError();
            answer(r, line(req.error()));
            req.release();
            return;
        }
        MemcacheCommand cmd = req.command();
        switch (cmd.type()) {
            case LOCAL:
                req.release();
                if (cmd == MemcacheCommand.QUIT) {
                    // memcached closes without a word; earlier replies still go out first.
                    answerAndClose(r, null);
                } else {
                    answer(r, MemcacheReplies.MN.duplicate());
                }
                return;
            case RETRIEVAL:
                retrieve(req, r);
                return;
            case KEYLESS:
                r.setMessage(ReplyKind.LINE);
                setPayload(r, req.raw());
                forward(r, pool.placeholderServer());
                return;
            default:
                forwardByKey(req, r);
        }
    }

    private void forwardByKey(MemcacheRequest req, Request r) {
        ByteBuf raw = req.raw();
        Server server = pool.serverFor(raw, raw.readerIndex() + req.tokenOffset(1), req.tokenLength(1));
        if (req.noReply()) {
            setPayload(r, raw);
            forwardNoReply(r, server);
            return;
        }
        ByteBuf payload = raw;
        if (req.quietToken() >= 0) {
            payload = req.withoutToken(channel.alloc(), req.quietToken());
            req.release();
        }
        r.setMessage(replyKind(req));
        setPayload(r, payload);
        forward(r, server);
    }

    private static ReplyKind replyKind(MemcacheRequest req) {
        MemcacheCommand cmd = req.command();
        if (cmd.type() != MemcacheCommand.Type.META) {
            return ReplyKind.LINE;
        }
        if (req.quietToken() < 0) {
            return ReplyKind.META;
        }
        switch (cmd) {
            case MG:
                return ReplyKind.QUIET_MISS;
            case MA:
                return req.vivify() ? ReplyKind.QUIET_SUCCESS : ReplyKind.QUIET_ARITHMETIC;
            default:
                return ReplyKind.QUIET_SUCCESS;
        }
    }

    /**
     * get/gets/gat/gats: the request's own bytes when every key lands on one server, else one
     * sub-request per server (in server index order, as twemproxy does) and a merge in key order.
     */
    private void retrieve(MemcacheRequest req, Request r) {
        ByteBuf raw = req.raw();
        int base = raw.readerIndex();
        int first = req.firstKey();
        int keys = req.keyCount();
        if (keys == 1) {
            forwardWhole(r, raw, pool.serverFor(raw, base + req.tokenOffset(first), req.tokenLength(first)));
            return;
        }
        Server[] servers = pool.servers();
        int[] keyServer = new int[keys];
        int firstServer = -1;
        boolean single = true;
        for (int i = 0; i < keys; i++) {
            int idx = pool.serverIndexFor(raw, base + req.tokenOffset(first + i), req.tokenLength(first + i));
            if (idx < 0) {
                forwardWhole(r, raw, null);
                return;
            }
            keyServer[i] = idx;
            if (firstServer < 0) {
                firstServer = idx;
            } else if (idx != firstServer) {
                single = false;
            }
        }
        if (single) {
            forwardWhole(r, raw, servers[firstServer]);
            return;
        }
        fragment(req, r, keyServer);
    }

    private void forwardWhole(Request r, ByteBuf raw, Server server) {
        r.setMessage(ReplyKind.RETRIEVAL);
        setPayload(r, raw);
        forward(r, server);
    }

    private void fragment(MemcacheRequest req, Request r, int[] keyServer) {
        ByteBuf raw = req.raw();
        int base = raw.readerIndex();
        int first = req.firstKey();
        int keys = keyServer.length;
        Server[] servers = pool.servers();
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
        // Each sub-request is the command (and gat's exptime) followed by its keys.
        int prefixEnd = req.tokenOffset(first - 1) + req.tokenLength(first - 1);
        ByteBuf[] payloads = new ByteBuf[fragments];
        Server[] targets = new Server[fragments];
        int[] position = new int[fragments];
        for (int s = 0; s < servers.length; s++) {
            int f = fragmentOf[s];
            if (f >= 0) {
                targets[f] = servers[s];
                payloads[f] = channel.alloc().buffer(prefixEnd + 2 + 16 * perServer[s]);
                writeTokens(payloads[f], req, 0, first);
            }
        }
        int[] keyFragment = new int[keys];
        int[] keyPosition = new int[keys];
        int keyBytes = 0;
        for (int i = 0; i < keys; i++) {
            int f = fragmentOf[keyServer[i]];
            keyFragment[i] = f;
            keyPosition[i] = position[f]++;
            Buffers.append(payloads[f].writeByte(' '), raw, base + req.tokenOffset(first + i), req.tokenLength(first + i));
            keyBytes += req.tokenLength(first + i);
        }
        // Merging matches each VALUE block to its key, so the keys outlive the request's bytes.
        byte[] keyData = new byte[keyBytes];
        int[] keyEnds = new int[keys];
        for (int i = 0, at = 0; i < keys; i++) {
            int length = req.tokenLength(first + i);
            raw.getBytes(base + req.tokenOffset(first + i), keyData, at, length);
            at += length;
            keyEnds[i] = at;
        }
        for (ByteBuf p : payloads) {
            p.writeByte('\r').writeByte('\n');
        }
        r.setKeyMapping(keyFragment, keyPosition);
        r.setMessage(new MultiGet(keyData, keyEnds));
        req.release();
        enqueueParent(r, fragments);
        for (int f = 0; f < fragments; f++) {
            Request sub = sendFragment(r, f, payloads[f], targets[f]);
            // Read by the reply decoder when the reply arrives (on this loop, so never before this).
            sub.setMessage(ReplyKind.RETRIEVAL);
        }
    }

    private static void writeTokens(ByteBuf out, MemcacheRequest req, int from, int to) {
        ByteBuf raw = req.raw();
        int base = raw.readerIndex();
        for (int i = from; i < to; i++) {
            if (i > from) {
                out.writeByte(' ');
            }
            Buffers.append(out, raw, base + req.tokenOffset(i), req.tokenLength(i));
        }
    }

    /** The keys of a split retrieval, in the client's order. */
    private static final class MultiGet {
        final byte[] keys;
        final int[] ends;

        MultiGet(byte[] keys, int[] ends) {
            this.keys = keys;
            this.ends = ends;
        }

        boolean keyEquals(int i, ByteBuf buf, int index, int length) {
            int start = i == 0 ? 0 : ends[i - 1];
            if (ends[i] - start != length) {
                return false;
            }
            for (int j = 0; j < length; j++) {
                if (buf.getByte(index + j) != keys[start + j]) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Rebuilds one retrieval reply from the fragments': each fragment's VALUE blocks, which come
     * in the order of its keys with missing keys absent, are taken in the client's key order, and
     * a single END closes the whole. The result is a composite of slices: no value is copied.
     */
    @Override
    protected ByteBuf mergeFragments(Request parent) {
        Request[] fragments = parent.fragments();
        MemcacheReplies.Blocks[] blocks = new MemcacheReplies.Blocks[fragments.length];
        int total = 0;
        for (int f = 0; f < fragments.length; f++) {
            ByteBuf reply = fragments[f].reply();
            try {
                blocks[f] = MemcacheReplies.blocks(reply);
            } catch (IllegalArgumentException e) {
                return errorReply("Invalid argument");
            }
            if (blocks[f].errorLine >= 0) {
                // A server refused its part (e.g. SERVER_ERROR out of memory): that is the answer.
                int at = blocks[f].errorLine;
                return reply.retainedSlice(at, reply.writerIndex() - at);
            }
            total += blocks[f].count;
        }
        MultiGet keys = (MultiGet) parent.message();
        int[] keyFragment = parent.keyFragment();
        int[] cursor = new int[fragments.length];
        CompositeByteBuf out = channel.alloc().compositeBuffer(total + 1);
        for (int i = 0; i < keyFragment.length; i++) {
            int f = keyFragment[i];
            MemcacheReplies.Blocks b = blocks[f];
            int c = cursor[f];
            ByteBuf reply = fragments[f].reply();
            if (c < b.count && keys.keyEquals(i, reply, b.keyStart(c), b.keyLength(c))) {
                out.addComponent(true, reply.retainedSlice(b.start(c), b.end(c) - b.start(c)));
                cursor[f] = c + 1;
            }
        }
        for (int f = 0; f < fragments.length; f++) {
            if (cursor[f] != blocks[f].count) {
                // A value for a key that was not asked for: the reply cannot be trusted.
                out.release();
                return errorReply("Invalid argument");
            }
        }
        out.addComponent(true, MemcacheReplies.END.duplicate());
        return out;
    }

    @Override
    protected ByteBuf errorReply(String reason) {
        return line("SERVER_ERROR " + reason);
    }

    private ByteBuf line(String text) {
        return MemcacheReplies.line(channel.alloc(), text);
    }
}
