package io.twd.daemon.internal.redis;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Feeds test input to a decoder in an {@link EmbeddedChannel} whole, one byte at a time and in
 * random splits, checks that every way gives the same items, and that every buffer allocated
 * along the way (inputs, cumulations) has been released.
 */
final class Harness {
    /** A decoded message as tests compare it: a readable summary and the exact bytes it covers. */
    record Item(String summary, String raw) {
        @Override
        public String toString() {
            return summary;
        }
    }

    private Harness() {
    }

    static List<Item> decodeAllWays(Supplier<ChannelHandler> decoder, byte[] input) {
        List<Item> whole = decode(decoder, input, new int[] {input.length});
        assertEquals(whole, decode(decoder, input, null), "one byte at a time");
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
            assertEquals(whole, decode(decoder, input, split), "random split " + sizes);
        }
        return whole;
    }

    static List<String> summaries(Supplier<ChannelHandler> decoder, byte[] input) {
        return decodeAllWays(decoder, input).stream().map(Item::summary).toList();
    }

    /** Decodes {@code input} cut into {@code chunks} (null: single bytes). */
    static List<Item> decode(Supplier<ChannelHandler> decoder, byte[] input, int[] chunks) {
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(decoder.get());
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
                // Replies framed before the bad byte are passed on first, so take them first.
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

    private static void drain(EmbeddedChannel channel, List<Item> items) {
        for (Object o; (o = channel.readInbound()) != null; ) {
            try {
                items.add(describe(o));
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
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

    /** Printable ASCII as is, CR and LF as \r and \n, other bytes as \xNN; long values as their size. */
    static String escape(ByteBuf buf, int max) {
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

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /**
     * Hands out heap buffers that count the bytes read from them one at a time (the access the
     * decoders use to scan), and remembers them to check that all are released.
     */
    static final class TrackingAllocator extends AbstractByteBufAllocator {
        private final List<ByteBuf> buffers = new ArrayList<>();
        long byteReads;

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            if (buffers.size() >= 4096) {
                // Single-byte feeding allocates millions; forget the ones already released.
                buffers.removeIf(b -> b.refCnt() == 0);
            }
            ByteBuf buf = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity) {
                @Override
                protected byte _getByte(int index) {
                    byteReads++;
                    return super._getByte(index);
                }
            };
            buffers.add(buf);
            return buf;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return newHeapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        void assertAllReleased() {
            for (ByteBuf b : buffers) {
                assertEquals(0, b.refCnt(), "buffer not released");
            }
        }
    }
}
