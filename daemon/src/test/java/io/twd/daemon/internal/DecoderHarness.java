package io.twd.daemon.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Feeds test input to a decoder (and whatever follows it) in an {@link EmbeddedChannel} whole,
 * one byte at a time and in random splits, checks that every way gives the same items, and that
 * every buffer allocated along the way (inputs, cumulations) has been released. What an item
 * looks like is the protocol's business: each protocol's test {@code Harness} passes its own
 * {@code describe}.
 */
public final class DecoderHarness {
    /** A decoded message as tests compare it: a readable summary and the exact bytes it covers. */
    public record Item(String summary, String raw) {
        @Override
        public String toString() {
            return summary;
        }
    }

    private final Function<Object, Item> describe;
    private final int byteAtATimeMax;

    /**
     * @param describe turns a message the pipeline passes on into an {@link Item}
     * @param byteAtATimeMax the longest input also fed one byte at a time
     */
    public DecoderHarness(Function<Object, Item> describe, int byteAtATimeMax) {
        this.describe = describe;
        this.byteAtATimeMax = byteAtATimeMax;
    }

    public List<Item> decodeAllWays(Supplier<ChannelHandler[]> handlers, byte[] input) {
        List<Item> whole = decode(handlers, input, new int[] {input.length});
        if (input.length <= byteAtATimeMax) {
            assertEquals(whole, decode(handlers, input, null), "one byte at a time");
        }
        Random random = new Random(input.length);
        int maxChunk = Math.max(2, Math.min(input.length, input.length > 100_000 ? 65_536 : 24));
        for (int round = 0; round < 3; round++) {
            List<Integer> sizes = new ArrayList<>();
            for (int left = input.length; left > 0; ) {
                int n = Math.min(left, 1 + random.nextInt(maxChunk));
                sizes.add(n);
                left -= n;
            }
            int[] split = sizes.stream().mapToInt(Integer::intValue).toArray();
            assertEquals(whole, decode(handlers, input, split), "random split " + sizes);
        }
        return whole;
    }

    public List<String> summaries(Supplier<ChannelHandler[]> handlers, byte[] input) {
        return decodeAllWays(handlers, input).stream().map(Item::summary).toList();
    }

    /** Decodes {@code input} cut into {@code chunks} (null: single bytes). */
    private List<Item> decode(Supplier<ChannelHandler[]> handlers, byte[] input, int[] chunks) {
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(handlers.get());
        List<Item> items = new ArrayList<>();
        int offset = 0;
        for (int i = 0; offset < input.length; i++) {
            int n = chunks == null ? 1 : chunks[i];
            ByteBuf chunk = alloc.buffer(n).writeBytes(input, offset, n);
            offset += n;
            try {
                channel.writeInbound(chunk);
                drain(channel, items);
            } catch (DecoderException e) {
                // Messages framed before the bad byte are passed on first, so take them first.
                drain(channel, items);
                items.add(new Item("exception: " + e.getMessage(), ""));
            }
        }
        channel.finish();
        drain(channel, items);
        channel.finishAndReleaseAll();
        alloc.assertAllReleased();
        return items;
    }

    private void drain(EmbeddedChannel channel, List<Item> items) {
        for (Object o; (o = channel.readInbound()) != null; ) {
            try {
                items.add(describe.apply(o));
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
    }

    /** Printable ASCII as is, CR and LF as \r and \n, other bytes as \xNN; long values as their size. */
    public static String escape(ByteBuf buf, int max) {
        if (buf.readableBytes() > max) {
            return "<" + buf.readableBytes() + " bytes>";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = buf.readerIndex(); i < buf.writerIndex(); i++) {
            byte b = buf.getByte(i);
            if (b == '\r') {
                sb.append("\\r");
            } else if (b == '\n') {
                sb.append("\\n");
            } else if (b >= 0x20 && b < 0x7f) {
                sb.append((char) b);
            } else {
                sb.append(String.format("\\x%02x", b & 0xff));
            }
        }
        return sb.toString();
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
