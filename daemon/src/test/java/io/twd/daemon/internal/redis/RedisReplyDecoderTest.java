package io.twd.daemon.internal.redis;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.twd.daemon.internal.DecoderHarness.Item;
import io.twd.daemon.internal.TrackingAllocator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static io.twd.daemon.internal.DecoderHarness.bytes;
import static io.twd.daemon.internal.DecoderHarness.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisReplyDecoderTest {
    private static final Supplier<ChannelHandler> DECODER = RedisReplyDecoder::new;

    private static List<String> decode(String input) {
        return Harness.summaries(DECODER, bytes(input));
    }

    /** Each reply must come out alone and unchanged, also when all are pipelined together. */
    private static void assertFramesEach(String... replies) {
        List<String> expected = new ArrayList<>();
        for (String reply : replies) {
            String escaped = reply.replace("\r", "\\r").replace("\n", "\\n");
            assertEquals(List.of(escaped), raws(reply), reply);
            expected.add(escaped);
        }
        assertEquals(expected, raws(String.join("", replies)));
    }

    private static List<String> raws(String input) {
        return Harness.decodeAllWays(DECODER, bytes(input)).stream().map(Item::raw).toList();
    }

    @Test
    void framesEveryResp2Type() {
        assertFramesEach("+OK\r\n", "+\r\n", "-ERR unknown command 'x'\r\n", ":0\r\n", ":-42\r\n",
                "$3\r\nfoo\r\n", "$0\r\n\r\n", "$-1\r\n", "*-1\r\n", "*0\r\n",
                "*2\r\n$1\r\na\r\n$-1\r\n", "*3\r\n:1\r\n+two\r\n-ERR three\r\n");
    }

    @Test
    void framesNestedArraysToAnyDepth() {
        assertFramesEach("*2\r\n*2\r\n:1\r\n:2\r\n*1\r\n*0\r\n",
                "*1\r\n".repeat(1000) + ":1\r\n",
                "*2\r\n*-1\r\n*2\r\n$-1\r\n*1\r\n$2\r\nhi\r\n");
    }

    @Test
    void framesResp3Types() {
        assertFramesEach("_\r\n", ",3.14\r\n", "#t\r\n", "(12345678901234567890\r\n", "!3\r\nerr\r\n",
                "=7\r\ntxt:abc\r\n", "%1\r\n+k\r\n:1\r\n", "~2\r\n:1\r\n:2\r\n", ">2\r\n+message\r\n+hi\r\n");
    }

    @Test
    void bulkPayloadsAreBinarySafe() {
        assertFramesEach("$6\r\n\r\n*1\r\n\r\n", "*1\r\n$5\r\n$-1\r\n\r\n");
    }

    @Test
    void largeBulkAcrossChunks() {
        byte[] value = new byte[1 << 20];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 7);
        }
        byte[] input = concat(bytes("*2\r\n$" + value.length + "\r\n"), value, bytes("\r\n:1\r\n+OK\r\n"));
        assertEquals(List.of("<1048596 bytes>", "+OK\\r\\n"), Harness.summaries(DECODER, input));
    }

    @Test
    void scanningIsIncremental() {
        // A long status line fed a byte at a time must be searched for its LF once, not once per byte.
        byte[] input = bytes("+" + "x".repeat(100_000) + "\r\n*1\r\n$100000\r\n" + "y".repeat(100_000) + "\r\n");
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(DECODER.get());
        for (byte b : input) {
            channel.writeInbound(alloc.buffer(1).writeByte(b));
        }
        assertTrue(alloc.byteReads() < 100_100, "bytes examined: " + alloc.byteReads());
        ByteBuf status = channel.readInbound();
        ByteBuf array = channel.readInbound();
        assertEquals(100_003, status.readableBytes());
        assertEquals(100_015, array.readableBytes());
        status.release();
        array.release();
        assertFalse(channel.finishAndReleaseAll());
        alloc.assertAllReleased();
    }

    @Test
    void malformedRepliesThrowAndTheRestIsIgnored() {
        String[][] cases = {
                {"?\r\n", "unknown reply type '?'"},
                {"|1\r\n", "unknown reply type '|'"},
                {"\u0000", "unknown reply type '\\x00'"},
                {"+OK\n", "reply line is not terminated by CRLF"},
                {"$3\r\nfooX\r\n", "bulk reply is not followed by CRLF"},
                {"$x\r\n", "invalid length in reply header '$'"},
                {"$\r\n", "invalid length in reply header '$'"},
                {"$-2\r\n", "invalid length in reply header '$'"},
                {"*-2\r\n", "invalid length in reply header '*'"},
                {"%-1\r\n", "invalid length in reply header '%'"},
                {"*1x\r\n", "invalid length in reply header '*'"},
                {"$1234567890123456789012345", "reply length header is too long"},
                {"*3\r\n:1\r\n?", "unknown reply type '?'"},
        };
        for (String[] c : cases) {
            assertEquals(List.of("+A\\r\\n", "exception: malformed redis reply: " + c[1]), decode("+A\r\n" + c[0] + "+B\r\n"), c[0]);
        }
    }

    @Test
    void longStatusLinesAreNotLengthHeaders() {
        String line = "+" + "x".repeat(100) + "\r\n";
        assertEquals(List.of(line.replace("\r\n", "\\r\\n")), decode(line));
    }
}
