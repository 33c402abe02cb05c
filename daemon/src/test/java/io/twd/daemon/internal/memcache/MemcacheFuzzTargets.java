package io.twd.daemon.internal.memcache;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.twd.daemon.internal.DecoderFuzz;
import io.twd.daemon.internal.DecoderHarness.Item;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Fuzz targets for the memcached ASCII decoders; see {@code RedisFuzzTargets}. For replies the
 * input starts with the kinds of the requests in flight, which frame them.
 */
public final class MemcacheFuzzTargets {
    /** The smallest limit the decoder takes (one command line). */
    static final int MAX_REQUEST = 4096;
    static final int MAX_HELD = MAX_REQUEST + 2;

    private MemcacheFuzzTargets() {
    }

    private static String describe(Object o) {
        Item item = Harness.describe(o);
        return item.summary() + " | " + item.raw();
    }

    /** Client requests: as RedisFuzzTargets.requests. */
    public static void requests(byte[] data) {
        if (data.length == 0) {
            return;
        }
        byte[] input = Arrays.copyOfRange(data, 1, data.length);
        DecoderFuzz.Run run = new DecoderFuzz.Run(() -> new ChannelHandler[] {new MemcacheRequestDecoder(MAX_REQUEST)},
            MemcacheFuzzTargets::describe, false, MAX_HELD);
        DecoderFuzz.checkAllWays(run, gate -> new ChannelHandler[] {new MemcacheRequestDecoder(MAX_REQUEST, gate)},
            input, data[0]);
    }

    /**
     * Backend replies, framed by the requests in flight: byte 1 holds how many (1..16), each next
     * byte one request's kind; the rest is what the server sends.
     */
    public static void replies(byte[] data) {
        if (data.length < 2) {
            return;
        }
        int n = 1 + (data[1] & 0x0f);
        if (data.length < 2 + n) {
            return;
        }
        ReplyKind[] all = ReplyKind.values();
        ReplyKind[] kinds = new ReplyKind[n];
        for (int i = 0; i < n; i++) {
            kinds[i] = all[(data[2 + i] & 0xff) % all.length];
        }
        byte[] input = Arrays.copyOfRange(data, 2 + n, data.length);
        DecoderFuzz.Run run = new DecoderFuzz.Run(() -> {
            InFlight inFlight = new InFlight(kinds);
            return new ChannelHandler[] {new MemcacheReplyDecoder(inFlight.kinds::peekFirst), inFlight};
        }, MemcacheFuzzTargets::describe, true, -1);
        DecoderFuzz.checkAllWays(run, null, input, data[0]);
    }

    /** The server connection's part: each reply takes its request off, so the next frames by the next. */
    private static final class InFlight extends ChannelInboundHandlerAdapter {
        final ArrayDeque<ReplyKind> kinds;

        InFlight(ReplyKind[] kinds) {
            this.kinds = new ArrayDeque<>(Arrays.asList(kinds));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            kinds.pollFirst();
            ctx.fireChannelRead(msg);
        }
    }
}
