package io.twd.daemon.internal.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.twd.daemon.internal.TrackingAllocator;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Supplier;

import static io.twd.daemon.internal.DecoderHarness.bytes;
import static io.twd.daemon.internal.DecoderHarness.concat;
import static io.twd.daemon.internal.memcache.ReplyKind.LINE;
import static io.twd.daemon.internal.memcache.ReplyKind.META;
import static io.twd.daemon.internal.memcache.ReplyKind.QUIET_ARITHMETIC;
import static io.twd.daemon.internal.memcache.ReplyKind.QUIET_MISS;
import static io.twd.daemon.internal.memcache.ReplyKind.QUIET_SUCCESS;
import static io.twd.daemon.internal.memcache.ReplyKind.RETRIEVAL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemcacheReplyDecoderTest {
    /**
     * Stands in for the engine's server connection: the requests in flight, oldest first, each
     * taken off as its reply passes by (which is what lets the decoder frame the next one).
     */
    private static final class InFlight extends ChannelInboundHandlerAdapter {
        final ArrayDeque<ReplyKind> kinds;

        InFlight(List<ReplyKind> kinds) {
            this.kinds = new ArrayDeque<>(kinds);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            kinds.pollFirst();
            ctx.fireChannelRead(msg);
        }
    }

    private static Supplier<ChannelHandler[]> pipeline(ReplyKind... kinds) {
        return () -> {
            InFlight inFlight = new InFlight(List.of(kinds));
            return new ChannelHandler[] {new MemcacheReplyDecoder(inFlight.kinds::peekFirst), inFlight};
        };
    }

    private static List<String> decode(String input, ReplyKind... kinds) {
        return Harness.summaries(pipeline(kinds), bytes(input));
    }

    @Test
    void singleLineReplies() {
        for (String line : List.of("STORED", "NOT_STORED", "EXISTS", "NOT_FOUND", "DELETED", "TOUCHED", "42",
                "VERSION 1.6.18", "ERROR", "CLIENT_ERROR bad command line format", "SERVER_ERROR out of memory")) {
            assertEquals(List.of(line), decode(line + "\r\n", LINE));
        }
    }

    @Test
    void retrievalRunsToEnd() {
        assertEquals(List.of("END"), decode("END\r\n", RETRIEVAL));
        assertEquals(List.of("VALUE a 0 1\\r\\nx\\r\\nVALUE bb 5 3 77\\r\\nyyy\\r\\nEND\\r\\n"),
            decode("VALUE a 0 1\r\nx\r\nVALUE bb 5 3 77\r\nyyy\r\nEND\r\n", RETRIEVAL));
        // Data is skipped by its length: CRLF, END and VALUE inside a value mean nothing.
        String value = "\r\nEND\r\nVALUE x 0 1\r\n";
        assertEquals(List.of(("VALUE k 0 " + value.length() + "\r\n" + value + "\r\nEND\r\n")
                .replace("\r", "\\r").replace("\n", "\\n")),
            decode("VALUE k 0 " + value.length() + "\r\n" + value + "\r\nEND\r\n", RETRIEVAL));
        assertEquals(List.of("VALUE k 0 0\\r\\n\\r\\nEND\\r\\n"), decode("VALUE k 0 0\r\n\r\nEND\r\n", RETRIEVAL));
    }

    @Test
    void anErrorLineEndsAnyReply() {
        assertEquals(List.of("SERVER_ERROR out of memory writing get response", "STORED"),
            decode("SERVER_ERROR out of memory writing get response\r\nSTORED\r\n", RETRIEVAL, LINE));
        assertEquals(List.of("VALUE a 0 1\\r\\nx\\r\\nSERVER_ERROR out of memory\\r\\n", "END"),
            decode("VALUE a 0 1\r\nx\r\nSERVER_ERROR out of memory\r\nEND\r\n", RETRIEVAL, RETRIEVAL));
        assertEquals(List.of("ERROR", "CLIENT_ERROR bad command line format"),
            decode("ERROR\r\nCLIENT_ERROR bad command line format\r\n", META, META));
    }

    @Test
    void metaReplies() {
        assertEquals(List.of("VA 2 f0 t-1\\r\\nhi\\r\\n", "HD c5", "EN", "NF", "NS", "EX", "MN", "ME k exp=-1 la=1"),
            decode("VA 2 f0 t-1\r\nhi\r\nHD c5\r\nEN\r\nNF\r\nNS\r\nEX\r\nMN\r\nME k exp=-1 la=1\r\n",
                META, META, META, META, META, META, META, META));
        assertEquals(List.of("VA 3\\r\\n\\r\\n\\n\\r\\n"), decode("VA 3\r\n\r\n\n\r\n", META));
    }

    @Test
    void quietModeDropsWhatMemcachedWouldNotHaveSent() {
        // mg: a miss (with or without returned flags) is dropped; hits are not.
        assertEquals(List.of("<dropped>", "<dropped>", "VA 1\\r\\nx\\r\\n", "HD", "CLIENT_ERROR bad"),
            decode("EN\r\nEN kzz O1\r\nVA 1\r\nx\r\nHD\r\nCLIENT_ERROR bad\r\n",
                QUIET_MISS, QUIET_MISS, QUIET_MISS, QUIET_MISS, QUIET_MISS));
        // ms/md: success is dropped; NS, NF, EX and errors are not.
        assertEquals(List.of("<dropped>", "<dropped>", "NS", "NF", "EX", "SERVER_ERROR out of memory"),
            decode("HD\r\nHD O5 k1\r\nNS\r\nNF\r\nEX\r\nSERVER_ERROR out of memory\r\n",
                QUIET_SUCCESS, QUIET_SUCCESS, QUIET_SUCCESS, QUIET_SUCCESS, QUIET_SUCCESS, QUIET_SUCCESS));
        // ma: a value is success too.
        assertEquals(List.of("<dropped>", "<dropped>", "NF", "HDX"),
            decode("HD\r\nVA 2 t-1\r\n12\r\nNF\r\nHDX\r\n", QUIET_ARITHMETIC, QUIET_ARITHMETIC, QUIET_ARITHMETIC,
                QUIET_ARITHMETIC));
        // A dropped reply still completes its request in order.
        assertEquals(List.of("<dropped>", "STORED", "<dropped>", "END"),
            decode("EN\r\nSTORED\r\nHD\r\nEND\r\n", QUIET_MISS, LINE, QUIET_SUCCESS, RETRIEVAL));
    }

    @Test
    void pipelinedRepliesOfEveryKind() {
        String input = "STORED\r\nVALUE a 0 3\r\nabc\r\nEND\r\nVA 1 k\r\nz\r\nEN\r\n11\r\nVERSION 1.6\r\nEND\r\n";
        assertEquals(List.of("STORED", "VALUE a 0 3\\r\\nabc\\r\\nEND\\r\\n", "VA 1 k\\r\\nz\\r\\n", "<dropped>", "11",
                "VERSION 1.6", "END"),
            decode(input, LINE, RETRIEVAL, META, QUIET_MISS, LINE, LINE, RETRIEVAL));
    }

    @Test
    void aReplyNobodyAskedForIsFramedAsALine() {
        assertEquals(List.of("STORED", "VALUE"), decode("STORED\r\nVALUE\r\n"));
    }

    @Test
    void largeValues() {
        byte[] value = new byte[1 << 20];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i ^ (i >> 7));
        }
        byte[] input = concat(bytes("VALUE big 0 " + value.length + " 99\r\n"), value, bytes("\r\nEND\r\nSTORED\r\n"));
        List<String> items = Harness.summaries(pipeline(RETRIEVAL, LINE), input);
        assertEquals(List.of("<" + (input.length - 8) + " bytes>", "STORED"), items);
        EmbeddedChannel channel = new EmbeddedChannel(new MemcacheReplyDecoder(() -> RETRIEVAL));
        channel.writeInbound(Unpooled.wrappedBuffer(input, 0, input.length - 8));
        ByteBuf reply = channel.readInbound();
        byte[] got = new byte[value.length];
        reply.getBytes(reply.readerIndex() + ("VALUE big 0 " + value.length + " 99\r\n").length(), got);
        assertArrayEquals(value, got);
        reply.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void malformedRepliesThrowAndTheRestIsIgnored() {
        String[][] cases = {
            {"STORED\n", "reply line is not terminated by CRLF"},
            {"\n", "reply line is not terminated by CRLF"},
            {"HELLO\r\n", "unexpected line in a retrieval reply: 'HELLO'"},
            {"VALUE a 0\r\n", "no data length in 'VALUE a 0'"},
            {"VALUE a 0 x\r\n", "bad data length in 'VALUE a 0 x'"},
            {"VALUE a 0 -1\r\n", "bad data length in 'VALUE a 0 -1'"},
            {"VALUE a 0 1\r\nxy\r\n", "data block is not followed by CRLF"},
        };
        for (String[] c : cases) {
            assertEquals(List.of("exception: malformed memcached reply: " + c[1]),
                decode(c[0] + "END\r\nEND\r\n", RETRIEVAL, RETRIEVAL), c[0]);
        }
        assertEquals(List.of("exception: malformed memcached reply: bad data length in 'VA x'"),
            decode("VA x\r\nHD\r\n", META, META));
        assertEquals(List.of("exception: malformed memcached reply: reply line longer than 8192 bytes"),
            Harness.summaries(pipeline(LINE), bytes("x".repeat(9000))));
        EmbeddedChannel channel = new EmbeddedChannel(new MemcacheReplyDecoder(() -> LINE));
        assertThrows(DecoderException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(bytes("A\nB\r\n"))));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("STORED\r\n")));
        assertFalse(channel.finishAndReleaseAll(), "nothing is framed after a malformed reply");
    }

    @Test
    void byteAtATimeInputIsNotRescanned() {
        byte[] input = bytes("VALUE k 0 100000\r\n" + "v".repeat(100_000) + "\r\nEND\r\n" + "SERVER_ERROR " + "e".repeat(5000) + "\r\n");
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(pipeline(RETRIEVAL, LINE).get());
        for (byte b : input) {
            channel.writeInbound(alloc.buffer(1).writeByte(b));
        }
        assertTrue(alloc.byteReads() < 6_000, "bytes examined: " + alloc.byteReads());
        ByteBuf get = channel.readInbound();
        ByteBuf error = channel.readInbound();
        assertEquals(100_025, get.readableBytes());
        assertEquals(5015, error.readableBytes());
        get.release();
        error.release();
        assertFalse(channel.finishAndReleaseAll());
        alloc.assertAllReleased();
    }

    @Test
    void retrievalRepliesSplitIntoBlocksForMerging() {
        ByteBuf reply = Unpooled.wrappedBuffer(bytes("VALUE a 0 1\r\nx\r\nVALUE bcd 1 2 9\r\n\r\n\r\nEND\r\n"));
        MemcacheReplies.Blocks b = MemcacheReplies.blocks(reply);
        assertEquals(2, b.count);
        assertEquals(-1, b.errorLine);
        assertEquals(0, b.start(0));
        assertEquals(16, b.end(0));
        assertEquals(6, b.keyStart(0));
        assertEquals(1, b.keyLength(0));
        assertEquals(16, b.start(1));
        assertEquals(37, b.end(1));
        assertEquals(3, b.keyLength(1));
        ByteBuf failed = Unpooled.wrappedBuffer(bytes("VALUE a 0 1\r\nx\r\nSERVER_ERROR oops\r\n"));
        assertEquals(16, MemcacheReplies.blocks(failed).errorLine);
        assertThrows(IllegalArgumentException.class, () -> MemcacheReplies.blocks(Unpooled.wrappedBuffer(bytes("HD\r\n"))));
        assertThrows(IllegalArgumentException.class,
            () -> MemcacheReplies.blocks(Unpooled.wrappedBuffer(bytes("VALUE a 0 9\r\nx\r\nEND\r\n"))));
        assertTrue(MemcacheReplies.isError(Unpooled.wrappedBuffer(bytes("CLIENT_ERROR x\r\n"))));
        assertFalse(MemcacheReplies.isError(Unpooled.wrappedBuffer(bytes("END\r\n"))));
    }
}
