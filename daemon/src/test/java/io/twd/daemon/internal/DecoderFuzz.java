package io.twd.daemon.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.twd.daemon.internal.proxy.RequestGate;
import io.twd.daemon.internal.proxy.UnparsedBytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the parser fuzz targets share: feeding one input to a decoder in an {@link EmbeddedChannel}
 * cut into given chunks, optionally behind a gate that lets only a few requests through at a time
 * (as {@code --client-max-pending} does), and checking after every chunk that every buffer is
 * accounted for and that the decoder holds no more than its limit.
 */
public final class DecoderFuzz {
    private DecoderFuzz() {
    }

    /** How one run is set up. */
    public record Run(
        Supplier<ChannelHandler[]> handlers,
        Function<Object, String> describe,
        boolean decoderExceptionsAllowed,
        int maxBuffered) {
    }

    /**
     * A gate like the client connection's: open for a few requests, then closed until the driver
     * grants more (what draining replies does), so every pause and resume point gets exercised.
     */
    public static final class CreditGate implements RequestGate {
        private final Random random;
        private int credits;
        private boolean asked;

        public CreditGate(Random random) {
            this.random = random;
            this.credits = 1 + random.nextInt(3);
        }

        @Override
        public boolean acceptsRequests() {
            asked = true;
            if (credits > 0) {
                credits--;
                return true;
            }
            return false;
        }

        void grant() {
            credits = 1 + random.nextInt(3);
            asked = false;
        }
    }

    /**
     * Decodes {@code input} cut at {@code chunks} (null: one byte at a time) and returns the
     * messages as {@code describe} shows them, a DecoderException as "exception: ...". Throws if
     * the decoder throws anything else (or a DecoderException where none is allowed), holds more
     * than {@code maxBuffered} bytes after a chunk, or leaves a buffer unreleased.
     */
    public static List<String> decode(Run run, byte[] input, int[] chunks, CreditGate gate) {
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(run.handlers().get());
        ChannelHandler first = channel.pipeline().first();
        List<String> items = new ArrayList<>();
        int offset = 0;
        for (int i = 0; offset < input.length; i++) {
            int n = chunks == null ? 1 : chunks[i];
            ByteBuf chunk = alloc.buffer(n).writeBytes(input, offset, n);
            offset += n;
            feed(run, channel, chunk, items);
            while (gate != null && gate.asked && gate.credits == 0) {
                // Replies drained: the connection lets the decoder go on with what it holds.
                gate.grant();
                feed(run, channel, Unpooled.EMPTY_BUFFER, items);
            }
            if (run.maxBuffered() >= 0 && first instanceof UnparsedBytes u) {
                int held = u.unparsedBytes().length;
                assertTrue(held <= run.maxBuffered(), "decoder holds " + held + " bytes, more than " + run.maxBuffered());
            }
        }
        try {
            channel.finish();
        } catch (DecoderException e) {
            if (!run.decoderExceptionsAllowed()) {
                throw e;
            }
            items.add("exception: " + e.getMessage());
        }
        drain(run, channel, items);
        channel.finishAndReleaseAll();
        alloc.assertAllReleased();
        return items;
    }

    private static void feed(Run run, EmbeddedChannel channel, ByteBuf chunk, List<String> items) {
        try {
            channel.writeInbound(chunk);
            drain(run, channel, items);
        } catch (DecoderException e) {
            if (!run.decoderExceptionsAllowed()) {
                throw e;
            }
            // Messages framed before the bad byte are passed on first, so take them first.
            drain(run, channel, items);
            items.add("exception: " + e.getMessage());
        }
    }

    private static void drain(Run run, EmbeddedChannel channel, List<String> items) {
        for (Object o; (o = channel.readInbound()) != null; ) {
            try {
                items.add(run.describe().apply(o));
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
    }

    /**
     * The standard checks of a decoder target: the same messages whether the input comes whole,
     * in random chunks, one byte at a time (short inputs) or behind a gate.
     */
    public static void checkAllWays(Run run, Function<RequestGate, ChannelHandler[]> gated, byte[] input, long seed) {
        Random random = new Random(seed);
        List<String> whole = decode(run, input, new int[] {input.length}, null);
        assertEquals(whole, decode(run, input, split(input.length, random), null), "random split");
        if (input.length <= 256) {
            assertEquals(whole, decode(run, input, null, null), "one byte at a time");
        }
        if (gated != null) {
            CreditGate gate = new CreditGate(random);
            Run behindGate = new Run(() -> gated.apply(gate), run.describe(), run.decoderExceptionsAllowed(),
                run.maxBuffered());
            assertEquals(whole, decode(behindGate, input, split(input.length, random), gate), "behind a gate");
        }
    }

    /** Chunk sizes adding up to {@code length}: mostly small, sometimes large. */
    public static int[] split(int length, Random random) {
        List<Integer> sizes = new ArrayList<>();
        int max = random.nextBoolean() ? 8 : 512;
        for (int left = length; left > 0; ) {
            int n = Math.min(left, 1 + random.nextInt(max));
            sizes.add(n);
            left -= n;
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }
}
