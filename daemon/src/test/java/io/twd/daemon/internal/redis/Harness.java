package io.twd.daemon.internal.redis;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.twd.daemon.internal.DecoderHarness;
import io.twd.daemon.internal.DecoderHarness.Item;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

import static io.twd.daemon.internal.DecoderHarness.escape;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link DecoderHarness} for the RESP decoders: how a {@link RedisRequest}, a
 * {@link RedisProtocolError} or a reply shows in test assertions. Every input is also fed one
 * byte at a time, however long.
 */
final class Harness {
    private static final DecoderHarness HARNESS = new DecoderHarness(Harness::describe, Integer.MAX_VALUE);

    private Harness() {
    }

    static List<Item> decodeAllWays(Supplier<ChannelHandler> decoder, byte[] input) {
        return HARNESS.decodeAllWays(() -> new ChannelHandler[] {decoder.get()}, input);
    }

    static List<String> summaries(Supplier<ChannelHandler> decoder, byte[] input) {
        return HARNESS.summaries(() -> new ChannelHandler[] {decoder.get()}, input);
    }

    static Item describe(Object o) {
        if (o instanceof RedisRequest r) {
            String raw = escape(r.raw(), Integer.MAX_VALUE);
            if (r.error() != null) {
                return new Item("error: " + r.error(), raw);
            }
            StringBuilder sb = new StringBuilder(r.command().lowerName()).append('@').append(r.keyIndex()).append(':');
            for (int i = 0; i < r.argCount(); i++) {
                assertEquals(r.argLength(i), r.arg(i).readableBytes());
                sb.append(' ').append(escape(r.arg(i), 64));
            }
            return new Item(sb.toString(), raw);
        }
        if (o instanceof RedisProtocolError e) {
            return new Item("protocol error: " + e.message(), "");
        }
        ByteBuf reply = (ByteBuf) o;
        return new Item(escape(reply, 200), escape(reply, Integer.MAX_VALUE));
    }

    /** Encodes a request as clients send it. */
    static byte[] req(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.ISO_8859_1);
            out.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(bytes);
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        return out.toByteArray();
    }
}
