package io.twd.daemon.internal.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.twd.daemon.internal.DecoderHarness;
import io.twd.daemon.internal.DecoderHarness.Item;

import java.util.List;
import java.util.function.Supplier;

import static io.twd.daemon.internal.DecoderHarness.escape;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link DecoderHarness} for the memcached ASCII decoders: how a {@link MemcacheRequest}, a
 * {@link MemcacheProtocolError} or a reply shows in test assertions. Inputs over 300,000 bytes
 * skip the one-byte-at-a-time pass.
 */
final class Harness {
    private static final DecoderHarness HARNESS = new DecoderHarness(Harness::describe, 300_000);

    private Harness() {
    }

    static List<Item> decodeAllWays(Supplier<ChannelHandler[]> handlers, byte[] input) {
        return HARNESS.decodeAllWays(handlers, input);
    }

    static List<String> summaries(Supplier<ChannelHandler[]> handlers, byte[] input) {
        return HARNESS.summaries(handlers, input);
    }

    static Item describe(Object o) {
        if (o instanceof MemcacheRequest r) {
            String raw = escape(r.raw(), Integer.MAX_VALUE);
            if (r.error() != null) {
                return new Item(r.error(), raw);
            }
            StringBuilder sb = new StringBuilder(r.command().lowerName());
            if (r.noReply()) {
                sb.append("[noreply]");
            }
            if (r.quietToken() >= 0) {
                sb.append("[q@").append(r.quietToken()).append(']');
            }
            if (r.vivify()) {
                sb.append("[N]");
            }
            sb.append(':');
            for (int i = 1; i < r.tokenCount(); i++) {
                assertEquals(r.tokenLength(i), r.token(i).readableBytes());
                sb.append(' ').append(escape(r.token(i), 64));
            }
            int data = r.raw().readableBytes() - r.lineLength() - 2;
            if (data >= 0) {
                ByteBuf block = r.raw().slice(r.raw().readerIndex() + r.lineLength(), data);
                sb.append(" | ").append(escape(block, 64));
            }
            return new Item(sb.toString(), raw);
        }
        if (o instanceof MemcacheProtocolError e) {
            return new Item("protocol error: " + e.line(), "");
        }
        ByteBuf reply = (ByteBuf) o;
        if (!reply.isReadable()) {
            return new Item("<dropped>", "");
        }
        String raw = escape(reply, Integer.MAX_VALUE);
        int lf = reply.indexOf(reply.readerIndex(), reply.writerIndex(), (byte) '\n');
        if (lf == reply.writerIndex() - 1 && raw.endsWith("\\r\\n")) {
            // A one-line reply: shown without its line ending.
            return new Item(raw.substring(0, raw.length() - 4), raw);
        }
        return new Item(escape(reply, 200), raw);
    }
}
