package io.twd.daemon.internal.redis;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.twd.daemon.internal.DecoderHarness.Item;
import io.twd.daemon.internal.TrackingAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static io.twd.daemon.internal.DecoderHarness.bytes;
import static io.twd.daemon.internal.DecoderHarness.concat;
import static io.twd.daemon.internal.redis.Harness.req;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisRequestDecoderTest {
    private static final Supplier<ChannelHandler> DEFAULT = () -> new RedisRequestDecoder(16336, 1024 * 1024, 512L << 20);
    /** Small limits, so that the limit tests stay small. */
    private static final Supplier<ChannelHandler> SMALL = () -> new RedisRequestDecoder(16, 8, 128);
    private static final byte[] PING = req("PING");

    private static List<String> decode(byte[] input) {
        return Harness.summaries(DEFAULT, input);
    }

    private static List<String> decode(String... args) {
        return decode(req(args));
    }

    @Test
    void framesASimpleRequest() {
        assertEquals(List.of("get@1: get foo"), decode("get", "foo"));
    }

    @Test
    void namesAreCaseInsensitive() {
        assertEquals(List.of("get@1: GeT foo"), decode("GeT", "foo"));
        assertEquals(List.of("zremrangebyscore@1: ZREMRANGEBYSCORE z 0 1"), decode("ZREMRANGEBYSCORE", "z", "0", "1"));
    }

    @Test
    void pipelinedRequestsComeOutInOrderWithTheirExactBytes() {
        byte[][] parts = {req("SET", "k", "v"), req("GET", "k"), req("MGET", "a", "b", "c"), req("DEL", "a"), PING};
        List<Item> items = Harness.decodeAllWays(DEFAULT, concat(parts));
        assertEquals(List.of("set@1: SET k v", "get@1: GET k", "mget@1: MGET a b c", "del@1: DEL a", "ping@-1: PING"),
                items.stream().map(Item::summary).toList());
        for (int i = 0; i < parts.length; i++) {
            assertEquals(new String(parts[i], StandardCharsets.ISO_8859_1)
                    .replace("\r", "\\r").replace("\n", "\\n"), items.get(i).raw());
        }
    }

    @Test
    void argumentPositionsAreRelativeToTheRawSlice() {
        EmbeddedChannel channel = new EmbeddedChannel(DEFAULT.get());
        channel.writeInbound(Unpooled.wrappedBuffer(concat(PING, req("SET", "key", "value"))));
        RedisRequest ping = channel.readInbound();
        RedisRequest set = channel.readInbound();
        try {
            assertEquals(3, set.argCount());
            assertEquals(RedisCommand.SET, set.command());
            assertEquals(1, set.keyIndex());
            assertNull(set.error());
            // *3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n
            assertEquals(8, set.argOffset(0));
            assertEquals(17, set.argOffset(1));
            assertEquals(3, set.argLength(1));
            assertEquals(26, set.argOffset(2));
            assertEquals(5, set.argLength(2));
            ByteBuf raw = set.raw();
            assertEquals('k', raw.getByte(raw.readerIndex() + set.argOffset(1)));
            assertEquals("value", set.arg(2).toString(StandardCharsets.US_ASCII));
            assertEquals(-1, ping.keyIndex());
        } finally {
            ping.release();
            set.release();
        }
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void referenceCountingDelegatesToTheRawBytes() {
        EmbeddedChannel channel = new EmbeddedChannel(DEFAULT.get());
        channel.writeInbound(Unpooled.wrappedBuffer(PING));
        RedisRequest ping = channel.readInbound();
        assertEquals(1, ping.refCnt());
        assertEquals(2, ping.retain().refCnt());
        assertEquals(2, ping.raw().refCnt());
        assertFalse(ping.release());
        assertTrue(ping.release());
        assertEquals(0, ping.raw().refCnt());
        channel.finishAndReleaseAll();
    }

    @Test
    void everyArityClassWithRightAndWrongCounts() {
        String[][] cases = {
                // ARGZ
                {"command@-1: COMMAND", "COMMAND"},
                {"error: wrong number of arguments for 'command' command", "COMMAND", "COUNT"},
                // ARG0
                {"get@1: GET k", "GET", "k"},
                {"error: wrong number of arguments for 'get' command", "GET"},
                {"error: wrong number of arguments for 'get' command", "GET", "a", "b"},
                // ARG1
                {"expire@1: EXPIRE k 10", "EXPIRE", "k", "10"},
                {"error: wrong number of arguments for 'expire' command", "EXPIRE", "k"},
                {"error: wrong number of arguments for 'expire' command", "EXPIRE", "k", "1", "2"},
                // ARG2
                {"getrange@1: GETRANGE k 0 1", "GETRANGE", "k", "0", "1"},
                {"error: wrong number of arguments for 'getrange' command", "GETRANGE", "k", "0"},
                {"error: wrong number of arguments for 'getrange' command", "GETRANGE", "k", "0", "1", "2"},
                // ARG3
                {"linsert@1: LINSERT k BEFORE p v", "LINSERT", "k", "BEFORE", "p", "v"},
                {"error: wrong number of arguments for 'linsert' command", "LINSERT", "k", "BEFORE", "p"},
                {"error: wrong number of arguments for 'linsert' command", "LINSERT", "k", "a", "b", "c", "d"},
                // ARGN (SET with options is argn, as in twemproxy)
                {"set@1: SET k v", "SET", "k", "v"},
                {"set@1: SET k v EX 10 NX", "SET", "k", "v", "EX", "10", "NX"},
                {"sdiff@1: SDIFF a", "SDIFF", "a"},
                {"error: wrong number of arguments for 'set' command", "SET"},
                // ARGX
                {"mget@1: MGET a b c", "MGET", "a", "b", "c"},
                {"exists@1: EXISTS a b", "EXISTS", "a", "b"},
                {"error: wrong number of arguments for 'mget' command", "MGET"},
                // ARGKVX
                {"mset@1: MSET a 1 b 2", "MSET", "a", "1", "b", "2"},
                {"error: wrong number of arguments for 'mset' command", "MSET"},
                {"error: wrong number of arguments for 'mset' command", "MSET", "a"},
                {"error: wrong number of arguments for 'mset' command", "MSET", "a", "1", "b"},
                // ARGEVAL
                {"eval@3: EVAL s 1 k", "EVAL", "s", "1", "k"},
                {"eval@3: EVAL s 2 k1 k2 arg", "EVAL", "s", "2", "k1", "k2", "arg"},
                {"eval@3: EVAL s 01 k", "EVAL", "s", "01", "k"},
                {"evalsha@3: EVALSHA sha 1 k", "EVALSHA", "sha", "1", "k"},
                {"error: wrong number of arguments for 'eval' command", "EVAL", "s"},
                {"error: EVAL needs at least one key: twd routes scripts by their first key", "EVAL", "s", "0"},
                {"error: EVALSHA needs at least one key: twd routes scripts by their first key", "EVALSHA", "s", "0", "a"},
                {"error: invalid numkeys for 'eval'", "EVAL", "s", "x", "k"},
                {"error: invalid numkeys for 'eval'", "EVAL", "s", "-1", "k"},
                {"error: invalid numkeys for 'eval'", "EVAL", "s", "", "k"},
                {"error: invalid numkeys for 'eval'", "EVAL", "s", "12345678901", "k"},
                {"error: Number of keys can't be greater than number of args", "EVAL", "s", "1"},
                {"error: Number of keys can't be greater than number of args", "EVAL", "s", "3", "a", "b"},
                // NOKEY
                {"lolwut@-1: LOLWUT", "LOLWUT"},
                {"lolwut@-1: LOLWUT VERSION 5", "LOLWUT", "VERSION", "5"},
                // LOCAL
                {"ping@-1: PING", "PING"},
                {"error: wrong number of arguments for 'ping' command", "PING", "hello"},
                {"quit@-1: QUIT", "QUIT"},
                {"error: wrong number of arguments for 'quit' command", "QUIT", "now"},
                {"auth@-1: AUTH secret", "AUTH", "secret"},
                {"error: wrong number of arguments for 'auth' command", "AUTH"},
                {"error: wrong number of arguments for 'auth' command", "AUTH", "user", "secret"},
        };
        for (String[] c : cases) {
            String[] args = Arrays.copyOfRange(c, 1, c.length);
            assertEquals(List.of(c[0]), decode(args), String.join(" ", args));
        }
    }

    @Test
    void unknownAndUnsupportedCommandsAreNamed() {
        assertEquals(List.of("error: unknown command 'foo'"), decode("foo", "bar"));
        assertEquals(List.of("error: unknown command 'f??o'"), decode("f\r\no"));
        assertEquals(List.of("error: unknown command ''"), decode(""));
        assertEquals(List.of("error: unknown command '" + "x".repeat(128) + "'"), decode("x".repeat(300)));
        assertEquals(List.of("error: command 'keys' is not supported through the proxy"), decode("KEYS", "*"));
        assertEquals(List.of("error: command 'select' is not supported through the proxy"), decode("select", "0"));
        assertEquals(List.of("error: command 'move' is not supported through the proxy"), decode("MOVE", "k", "1"));
        assertEquals(List.of("error: command 'eval_ro' is not supported through the proxy"), decode("EVAL_RO", "s", "1", "k"));
        assertEquals(List.of("error: command 'multi' is not supported through the proxy"), decode("multi"));
    }

    @Test
    void rejectedRequestsKeepTheConnectionUsable() {
        byte[] input = concat(req("FOO"), req("GET"), req("KEYS", "*"), req("GET", "k"));
        assertEquals(List.of("error: unknown command 'FOO'", "error: wrong number of arguments for 'get' command",
                "error: command 'keys' is not supported through the proxy", "get@1: GET k"), decode(input));
    }

    @Test
    void everyKeyIsCheckedAgainstTheKeyLimit() {
        String ok = "k".repeat(16);
        String tooLong = "k".repeat(17);
        String error = "error: key too long: 17 bytes, the limit is 16";
        assertEquals(List.of("get@1: GET " + ok), Harness.summaries(SMALL, req("GET", ok)));
        assertEquals(List.of(error), Harness.summaries(SMALL, req("GET", tooLong)));
        assertEquals(List.of(error), Harness.summaries(SMALL, req("SET", tooLong, "v")));
        assertEquals(List.of(error), Harness.summaries(SMALL, req("MGET", "a", tooLong)));
        assertEquals(List.of(error), Harness.summaries(SMALL, req("MSET", "a", "1", tooLong, "2")));
        assertEquals(List.of(error), Harness.summaries(SMALL, req("EVAL", "s", "2", "a", tooLong)));
        // Values and non-key arguments are not keys.
        assertEquals(List.of("mset@1: MSET a " + tooLong), Harness.summaries(SMALL, req("MSET", "a", tooLong)));
        assertEquals(List.of("eval@3: EVAL s 1 a " + tooLong), Harness.summaries(SMALL, req("EVAL", "s", "1", "a", tooLong)));
        assertEquals(List.of("auth@-1: AUTH " + tooLong), Harness.summaries(SMALL, req("AUTH", tooLong)));
        // twemproxy's default limit.
        assertEquals(List.of("error: key too long: 16337 bytes, the limit is 16336"), decode("GET", "k".repeat(16337)));
    }

    @Test
    void largeBinaryValuesAreFramedAcrossChunks() {
        byte[] value = new byte[1 << 20];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31);
        }
        byte[] header = bytes("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + value.length + "\r\n");
        byte[] input = concat(header, value, bytes("\r\n"), PING);
        List<Item> items = Harness.decodeAllWays(DEFAULT, input);
        assertEquals(List.of("set@1: SET big <1048576 bytes>", "ping@-1: PING"),
                items.stream().map(Item::summary).toList());
    }

    @Test
    void payloadsMayContainAnyBytes() {
        String nasty = "a\r\nb*1\r\n$4\r\nPING\r\n\u0000\u00ff";
        assertEquals(List.of("set@1: SET k\\r\\n a\\r\\nb*1\\r\\n$4\\r\\nPING\\r\\n\\x00\\xff"),
                decode("SET", "k\r\n", nasty));
    }

    @Test
    void scanningIsIncremental() {
        // Byte-at-a-time input must not be rescanned from the request start on every call: the
        // decoder reads each header byte once and skips payloads by length.
        byte[] value = new byte[1 << 20];
        byte[] input = concat(bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + value.length + "\r\n"), value, bytes("\r\n"));
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(DEFAULT.get());
        for (byte b : input) {
            channel.writeInbound(alloc.buffer(1).writeByte(b));
        }
        assertTrue(alloc.byteReads() < 200, "bytes examined: " + alloc.byteReads());
        RedisRequest set = channel.readInbound();
        assertEquals(value.length, set.argLength(2));
        set.release();
        assertFalse(channel.finishAndReleaseAll());
        alloc.assertAllReleased();
    }

    @Test
    void emptyMultibulkIsSkipped() {
        assertEquals(List.of("ping@-1: PING", "ping@-1: PING"), decode(concat(bytes("*0\r\n"), PING, bytes("*0\r\n*0\r\n"), PING)));
    }

    @Test
    void malformedInputGivesOneProtocolErrorAndTheRestIsIgnored() {
        String[][] cases = {
                {"PING\r\n", "inline commands are not supported, send RESP arrays"},
                {"\r\n", "inline commands are not supported, send RESP arrays"},
                {"$4\r\nPING\r\n", "expected '*', got '$'"},
                {"+OK\r\n", "expected '*', got '+'"},
                {"*x\r\n", "invalid multibulk length"},
                {"*-1\r\n", "invalid multibulk length"},
                {"*\r\n", "invalid multibulk length"},
                {"*1\n", "invalid multibulk length"},
                {"*1\rx", "invalid multibulk length"},
                {"*99999999999\r\n", "invalid multibulk length: more than 1048576 arguments"},
                {"*1\r\n+PING\r\n", "expected '$', got '+'"},
                {"*1\r\n:1\r\n", "expected '$', got ':'"},
                {"*1\r\n\u0000", "expected '$', got '\\x00'"},
                {"*2\r\n$3\r\nGET\r\n*1\r\n", "expected '$', got '*'"},
                {"*1\r\n$-1\r\n", "invalid bulk length"},
                {"*1\r\n$\r\n", "invalid bulk length"},
                {"*1\r\n$4x\r\n", "invalid bulk length"},
                {"*1\r\n$4\rx", "invalid bulk length"},
                {"*1\r\n$12345678901\r\n", "invalid bulk length"},
                {"*1\r\n$4\r\nPINGxx", "bulk string is not followed by CRLF"},
                {"*1\r\n$4\r\nPING\rx", "bulk string is not followed by CRLF"},
                {"*1\r\n$4\r\nPING\n\r", "bulk string is not followed by CRLF"},
                {"*1\r\n$1000000000\r\n", "request is larger than 536870912 bytes"},
        };
        for (String[] c : cases) {
            byte[] input = concat(PING, bytes(c[0]), PING, PING);
            assertEquals(List.of("ping@-1: PING", "protocol error: " + c[1]), decode(input), c[0]);
        }
    }

    @Test
    void limitsOnCountAndSizeAreProtocolErrors() {
        assertEquals(List.of("protocol error: invalid multibulk length: more than 8 arguments"),
                Harness.summaries(SMALL, concat(req("DEL", "1", "2", "3", "4", "5", "6", "7", "8"), PING)));
        assertEquals(List.of("del@1: DEL 1 2 3 4 5 6 7"), Harness.summaries(SMALL, req("DEL", "1", "2", "3", "4", "5", "6", "7")));
        byte[] exactly128 = req("SET", "k", "v".repeat(128 - 28));
        assertEquals(128, exactly128.length);
        assertEquals(1, Harness.summaries(SMALL, exactly128).size());
        assertEquals(List.of("protocol error: request is larger than 128 bytes"),
                Harness.summaries(SMALL, concat(req("SET", "k", "v".repeat(128 - 27)), PING)));
    }
}
