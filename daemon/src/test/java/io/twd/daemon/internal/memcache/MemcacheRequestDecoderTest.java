package io.twd.daemon.internal.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemcacheRequestDecoderTest {
    private static final Supplier<ChannelHandler[]> DEFAULT =
        () -> new ChannelHandler[] {new MemcacheRequestDecoder(512L << 20)};
    /** A small request limit, so that the limit tests stay small. */
    private static final Supplier<ChannelHandler[]> SMALL =
        () -> new ChannelHandler[] {new MemcacheRequestDecoder(4096)};

    private static List<String> decode(String input) {
        return Harness.summaries(DEFAULT, bytes(input));
    }

    private static String one(String input) {
        List<String> items = decode(input);
        assertEquals(1, items.size(), items.toString());
        return items.get(0);
    }

    @Test
    void retrievalCommands() {
        assertEquals("get: foo", one("get foo\r\n"));
        assertEquals("get: a b c", one("get a b c\r\n"));
        assertEquals("gets: a b", one("gets a b\r\n"));
        assertEquals("gat: 100 a b", one("gat 100 a b\r\n"));
        assertEquals("gats: -1 a", one("gats -1 a\r\n"));
        // get has no noreply: memcached takes the word as a key.
        assertEquals("get: a noreply", one("get a noreply\r\n"));
    }

    @Test
    void storageCommandsCarryTheirDataBlock() {
        assertEquals("set: k 0 0 5 | hello", one("set k 0 0 5\r\nhello\r\n"));
        assertEquals("add: k 1 2 1 | x", one("add k 1 2 1\r\nx\r\n"));
        assertEquals("replace: k 4294967295 -1 0 | ", one("replace k 4294967295 -1 0\r\n\r\n"));
        assertEquals("append: k 0 0 2 | ab", one("append k 0 0 2\r\nab\r\n"));
        assertEquals("prepend: k 0 0 2 | ab", one("prepend k 0 0 2\r\nab\r\n"));
        assertEquals("cas: k 0 0 2 18446744073709551615 | ab", one("cas k 0 0 2 18446744073709551615\r\nab\r\n"));
        assertEquals("ms: k 2 T0 F5 | ab", one("ms k 2 T0 F5\r\nab\r\n"));
    }

    @Test
    void dataBlocksAreBinarySafeAndSkippedByLength() {
        // CRLF, "END", a whole fake command and NUL bytes inside the value.
        String value = "a\r\nEND\r\nget x\r\n\u0000\u00ff\r\n";
        List<Item> items = Harness.decodeAllWays(DEFAULT,
            bytes("set k 0 0 " + value.length() + "\r\n" + value + "\r\nget k\r\n"));
        assertEquals(2, items.size());
        assertEquals("set k 0 0 19\\r\\na\\r\\nEND\\r\\nget x\\r\\n\\x00\\xff\\r\\n\\r\\n", items.get(0).raw());
        assertEquals("get: k", items.get(1).summary());
    }

    @Test
    void keyedCommands() {
        assertEquals("incr: k 1", one("incr k 1\r\n"));
        assertEquals("decr: k 18446744073709551615", one("decr k 18446744073709551615\r\n"));
        assertEquals("touch: k -5", one("touch k -5\r\n"));
        assertEquals("delete: k", one("delete k\r\n"));
        assertEquals("delete: k 0", one("delete k 0\r\n"));
    }

    @Test
    void noreplyIsTheLastTokenWhereMemcachedLooksForIt() {
        assertEquals("set[noreply]: k 0 0 1 noreply | x", one("set k 0 0 1 noreply\r\nx\r\n"));
        assertEquals("cas[noreply]: k 0 0 1 5 noreply | x", one("cas k 0 0 1 5 noreply\r\nx\r\n"));
        assertEquals("incr[noreply]: k 1 noreply", one("incr k 1 noreply\r\n"));
        assertEquals("decr[noreply]: k 1 noreply", one("decr k 1 noreply\r\n"));
        assertEquals("touch[noreply]: k 0 noreply", one("touch k 0 noreply\r\n"));
        assertEquals("delete[noreply]: k noreply", one("delete k noreply\r\n"));
        assertEquals("delete[noreply]: k 0 noreply", one("delete k 0 noreply\r\n"));
        // Any other extra token is ignored, as memcached does, and the request is answered.
        assertEquals("set: k 0 0 1 other | x", one("set k 0 0 1 other\r\nx\r\n"));
        assertEquals("incr: k 1 NOREPLY", one("incr k 1 NOREPLY\r\n"));
    }

    @Test
    void metaCommands() {
        assertEquals("mg: k v f t", one("mg k v f t\r\n"));
        assertEquals("mg: k", one("mg k\r\n"));
        assertEquals("md: k I T30", one("md k I T30\r\n"));
        assertEquals("ma: k D5 MD", one("ma k D5 MD\r\n"));
        assertEquals("me: k", one("me k\r\n"));
        assertEquals("mn:", one("mn\r\n"));
        // The key is not a flag, even when it starts with q.
        assertEquals("mg: qkey v", one("mg qkey v\r\n"));
    }

    @Test
    void quietFlagAndVivifyAreNoted() {
        assertEquals("mg[q@3]: k v q O1", one("mg k v q O1\r\n"));
        assertEquals("ms[q@3]: k 1 q | x", one("ms k 1 q\r\nx\r\n"));
        assertEquals("md[q@2]: k q", one("md k q\r\n"));
        assertEquals("ma[q@2]: k q v", one("ma k q v\r\n"));
        assertEquals("ma[q@2][N]: k q N0 J5", one("ma k q N0 J5\r\n"));
        assertEquals("ma[N]: k N0", one("ma k N0\r\n"));
        assertEquals("CLIENT_ERROR duplicate flag", one("mg k q v q\r\n"));
    }

    @Test
    void keylessAndLocalCommands() {
        assertEquals("version:", one("version\r\n"));
        assertEquals("quit:", one("quit\r\n"));
        assertEquals("version: extra", one("version extra\r\n"));
    }

    @Test
    void pipelinedRequestsComeOutInOrderWithTheirExactBytes() {
        String[] parts = {"set a 0 0 3\r\nabc\r\n", "get a b\r\n", "incr n 1 noreply\r\n", "mg a v q\r\n",
            "ms b 2\r\nxy\r\n", "mn\r\n", "delete a\r\n", "version\r\n"};
        List<Item> items = Harness.decodeAllWays(DEFAULT, bytes(String.join("", parts)));
        assertEquals(List.of("set: a 0 0 3 | abc", "get: a b", "incr[noreply]: n 1 noreply", "mg[q@3]: a v q",
            "ms: b 2 | xy", "mn:", "delete: a", "version:"), items.stream().map(Item::summary).toList());
        for (int i = 0; i < parts.length; i++) {
            assertEquals(parts[i].replace("\r", "\\r").replace("\n", "\\n"), items.get(i).raw());
        }
    }

    @Test
    void tokenizingFollowsMemcached() {
        // Runs of spaces separate tokens, leading and trailing spaces are ignored, a bare LF ends a line.
        assertEquals("get: a b", one("  get   a  b  \r\n"));
        assertEquals("get: a", one("get a\n"));
        assertEquals("set: k 0 0 1 | x", one("set k 0 0 1\nx\r\n"));
        // Tabs and lone CRs are part of a token (memcached splits on spaces only).
        assertEquals("get: a\\x09b c\\rd", one("get a\tb c\rd\r\n"));
        // Only the one CR right before the LF is the line ending.
        assertEquals("get: a\\r", one("get a\r\r\n"));
    }

    @Test
    void positionsAreRelativeToTheRawSlice() {
        EmbeddedChannel channel = new EmbeddedChannel(new MemcacheRequestDecoder(1 << 20));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("mn\r\nset key 7 0 5\r\nvalue\r\n")));
        MemcacheRequest mn = channel.readInbound();
        MemcacheRequest set = channel.readInbound();
        try {
            assertEquals(MemcacheCommand.SET, set.command());
            assertEquals(5, set.tokenCount());
            assertEquals(4, set.tokenOffset(1));
            assertEquals(3, set.tokenLength(1));
            assertEquals(15, set.lineLength());
            assertEquals(1, set.firstKey());
            assertEquals(1, set.keyCount());
            ByteBuf raw = set.raw();
            assertEquals('k', raw.getByte(raw.readerIndex() + set.tokenOffset(1)));
            assertEquals("value\r\n", raw.toString(raw.readerIndex() + set.lineLength(), 7, StandardCharsets.US_ASCII));
            assertNull(set.error());
            assertEquals(0, mn.keyCount());
        } finally {
            mn.release();
            set.release();
        }
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void referenceCountingDelegatesToTheRawBytes() {
        EmbeddedChannel channel = new EmbeddedChannel(new MemcacheRequestDecoder(1 << 20));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("get k\r\n")));
        MemcacheRequest get = channel.readInbound();
        assertEquals(1, get.refCnt());
        assertEquals(2, get.retain().refCnt());
        assertFalse(get.release());
        assertTrue(get.release());
        assertEquals(0, get.raw().refCnt());
        channel.finishAndReleaseAll();
    }

    @Test
    void quietRequestsAreRewrittenWithoutTheirFlag() {
        EmbeddedChannel channel = new EmbeddedChannel(new MemcacheRequestDecoder(1 << 20));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("mg  key v  q O9\nms k 3 q T0\r\na\r\n\r\n")));
        MemcacheRequest mg = channel.readInbound();
        MemcacheRequest ms = channel.readInbound();
        ByteBuf a = mg.withoutToken(ByteBufAllocator.DEFAULT, mg.quietToken());
        ByteBuf b = ms.withoutToken(ByteBufAllocator.DEFAULT, ms.quietToken());
        mg.release();
        ms.release();
        assertEquals("mg key v O9\r\n", a.toString(StandardCharsets.ISO_8859_1));
        assertEquals("ms k 3 T0\r\na\r\n\r\n", b.toString(StandardCharsets.ISO_8859_1));
        assertTrue(a.release());
        assertTrue(b.release());
        assertEquals(0, ms.refCnt(), "the data block is shared with the request, and released with the rewrite");
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void unknownAndUnsupportedCommandsAreNamed() {
        assertEquals("CLIENT_ERROR unknown command 'GET' (command names are lowercase)", one("GET foo\r\n"));
        assertEquals("CLIENT_ERROR unknown command 'hello'", one("hello world\r\n"));
        assertEquals("CLIENT_ERROR unknown command 'x'", one("x\r\n"));
        assertEquals("CLIENT_ERROR unknown command 'mz'", one("mz k\r\n"));
        assertEquals("CLIENT_ERROR unknown command 'a?b'", one("a\u0001b\r\n"));
        for (String c : List.of("stats", "flush_all", "verbosity 1", "shutdown", "slabs automove 1", "lru_crawler",
                "watch", "cache_memlimit 10", "lru mode", "bget k")) {
            String name = c.split(" ")[0];
            assertEquals("CLIENT_ERROR command '" + name + "' is not supported through the proxy", one(c + "\r\n"));
        }
        assertEquals("CLIENT_ERROR empty command line", one("\r\n"));
        assertEquals("CLIENT_ERROR empty command line", one("   \n"));
    }

    @Test
    void unknownCommandsDoNotEatTheNextLine() {
        // Nobody knows whether a data block follows an unknown command: the next line is a command.
        assertEquals(List.of("CLIENT_ERROR unknown command 'SET' (command names are lowercase)",
                "CLIENT_ERROR unknown command 'hello'", "get: k"),
            decode("SET k 0 0 5\r\nhello\r\nget k\r\n"));
    }

    @Test
    void keysOverTheLimitAreRefused() {
        String ok = "k".repeat(250);
        String bad = "k".repeat(251);
        assertEquals("get: <250 bytes>", one("get " + ok + "\r\n"));
        String tooLong = "CLIENT_ERROR key too long: 251 bytes, the limit is 250";
        assertEquals(tooLong, one("get a " + bad + "\r\n"));
        assertEquals(tooLong, one("gat 0 " + bad + "\r\n"));
        assertEquals(tooLong, one("delete " + bad + "\r\n"));
        assertEquals(tooLong, one("incr " + bad + " 1\r\n"));
        assertEquals(tooLong, one("mg " + bad + " v\r\n"));
        // A storage command's data block goes with its error, and the connection stays usable.
        assertEquals(List.of(tooLong, "get: k"), decode("set " + bad + " 0 0 5\r\nhello\r\nget k\r\n"));
        assertEquals(List.of(tooLong, "get: k"), decode("ms " + bad + " 5\r\nhello\r\nget k\r\n"));
    }

    @Test
    void badHeadersWithAKnownLengthSkipTheDataBlock() {
        String[][] cases = {
            {"set k x 0 1", "CLIENT_ERROR invalid flags argument"},
            {"set k 4294967296 0 1", "CLIENT_ERROR invalid flags argument"},
            {"set k -1 0 1", "CLIENT_ERROR invalid flags argument"},
            {"set k 0 x 1", "CLIENT_ERROR invalid exptime argument"},
            {"set k 0 2147483648 1", "CLIENT_ERROR invalid exptime argument"},
            {"add k 0 0 1 noreply extra", "CLIENT_ERROR bad command line format.  Usage: add <key> <flags> <exptime> <bytes> [noreply]"},
            {"cas k 0 0 1", "CLIENT_ERROR bad command line format.  Usage: cas <key> <flags> <exptime> <bytes> <cas unique> [noreply]"},
            {"cas k 0 0 1 x", "CLIENT_ERROR invalid cas unique argument"},
            {"cas k 0 0 1 18446744073709551616", "CLIENT_ERROR invalid cas unique argument"},
            {"set k\u0000 0 0 1", "CLIENT_ERROR invalid NUL byte in command line"},
            {"ms k 1 " + "T1 ".repeat(17), "CLIENT_ERROR options flags too long"},
            {"ms k 1 q q", "CLIENT_ERROR duplicate flag"},
        };
        for (String[] c : cases) {
            assertEquals(List.of(c[1], "mn:"), decode(c[0] + "\r\nx\r\nmn\r\n"), c[0]);
        }
    }

    @Test
    void badArgumentsOfOtherCommands() {
        String[][] cases = {
            {"get", "CLIENT_ERROR bad command line format.  Usage: get <key>*"},
            {"gets", "CLIENT_ERROR bad command line format.  Usage: gets <key>*"},
            {"gat 10", "CLIENT_ERROR bad command line format.  Usage: gat <exptime> <key>*"},
            {"gat x k", "CLIENT_ERROR invalid exptime argument"},
            {"incr k", "CLIENT_ERROR bad command line format.  Usage: incr <key> <value> [noreply]"},
            {"incr k -1", "CLIENT_ERROR invalid numeric delta argument"},
            {"decr k 1 noreply x", "CLIENT_ERROR bad command line format.  Usage: decr <key> <value> [noreply]"},
            {"touch k", "CLIENT_ERROR bad command line format.  Usage: touch <key> <exptime> [noreply]"},
            {"touch k soon", "CLIENT_ERROR invalid exptime argument"},
            {"delete", "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"},
            {"delete k 5", "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"},
            {"delete k 0 x", "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"},
            {"delete k noreply 0", "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"},
            {"mg", "CLIENT_ERROR bad command line format.  Usage: mg <key> <flags>*"},
            {"get a\u0000b", "CLIENT_ERROR invalid NUL byte in command line"},
        };
        for (String[] c : cases) {
            assertEquals(List.of(c[1], "mn:"), decode(c[0] + "\r\nmn\r\n"), c[0]);
        }
    }

    @Test
    void framingErrorsEndTheStream() {
        String[][] cases = {
            {"set k 0 0", "protocol error: CLIENT_ERROR bad command line format.  Usage: set <key> <flags> <exptime> <bytes> [noreply]"},
            {"set k 0 0 x", "protocol error: CLIENT_ERROR bad command line format.  Usage: set <key> <flags> <exptime> <bytes> [noreply]"},
            {"set k 0 0 -1", "protocol error: CLIENT_ERROR bad command line format.  Usage: set <key> <flags> <exptime> <bytes> [noreply]"},
            {"set k 0 0 2147483645", "protocol error: SERVER_ERROR object too large for cache"},
            {"set k 0 0 2147483646", "protocol error: CLIENT_ERROR bad command line format.  Usage: set <key> <flags> <exptime> <bytes> [noreply]"},
            {"ms k", "protocol error: CLIENT_ERROR bad data length.  Usage: ms <key> <datalen> <flags>*"},
            {"ms k S5", "protocol error: CLIENT_ERROR bad data length.  Usage: ms <key> <datalen> <flags>*"},
        };
        for (String[] c : cases) {
            assertEquals(List.of("get: a", c[1]), decode("get a\r\n" + c[0] + "\r\nhello\r\nget b\r\n"), c[0]);
        }
        // The data block must end with CRLF where its length says.
        assertEquals(List.of("protocol error: CLIENT_ERROR bad data chunk"), decode("set k 0 0 2\r\nabc\r\nget b\r\n"));
    }

    @Test
    void linesAreLimitedExceptForGet() {
        String longKeys = ("k".repeat(200) + " ").repeat(40);
        assertEquals(40, one("get " + longKeys + "\r\n").split("<200 bytes>", -1).length - 1);
        assertEquals(40, one("gets " + longKeys + "\r\n").split("<200 bytes>", -1).length - 1);
        // memcached closes a connection with a longer line than 2048 bytes for anything else.
        assertEquals(List.of("protocol error: CLIENT_ERROR line too long"), decode("gat 0 " + longKeys + "\r\nmn\r\n"));
        assertEquals(List.of("protocol error: CLIENT_ERROR line too long"), decode("x".repeat(3000)));
        String exactly = "mg k " + "v".repeat(MemcacheRequestDecoder.MAX_LINE - 7) + "\r\n";
        assertEquals(MemcacheRequestDecoder.MAX_LINE, exactly.length());
        assertEquals(1, decode(exactly).size());
        // A get line is limited by the request size.
        assertEquals(List.of("protocol error: CLIENT_ERROR line too long"),
            Harness.summaries(SMALL, bytes("get " + longKeys + longKeys + "\r\n")));
        assertEquals(List.of("protocol error: SERVER_ERROR object too large for cache"),
            Harness.summaries(SMALL, bytes("set k 0 0 4090\r\n")));
    }

    @Test
    void largeValues() {
        byte[] value = new byte[1 << 20];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31 + (i >> 8));
        }
        byte[] input = concat(bytes("set big 0 0 " + value.length + "\r\n"), value, bytes("\r\nmn\r\n"));
        List<Item> items = Harness.decodeAllWays(DEFAULT, input);
        assertEquals(2, items.size());
        assertTrue(items.get(0).summary().startsWith("set: big 0 0 1048576 | <1048576 bytes>"), items.get(0).summary());
        assertEquals("mn:", items.get(1).summary());
        // And the exact bytes, straight from the decoder.
        EmbeddedChannel channel = new EmbeddedChannel(new MemcacheRequestDecoder(512L << 20));
        channel.writeInbound(Unpooled.wrappedBuffer(input));
        MemcacheRequest set = channel.readInbound();
        byte[] got = new byte[value.length];
        set.raw().getBytes(set.raw().readerIndex() + set.lineLength(), got);
        assertArrayEquals(value, got);
        set.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void byteAtATimeInputIsNotRescanned() {
        StringBuilder sb = new StringBuilder("get");
        for (int i = 0; i < 5000; i++) {
            sb.append(" key:").append(i);
        }
        byte[] input = bytes(sb + "\r\nset k 0 0 100000\r\n" + "v".repeat(100_000) + "\r\n");
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(new MemcacheRequestDecoder(512L << 20));
        for (byte b : input) {
            channel.writeInbound(alloc.buffer(1).writeByte(b));
        }
        // The get line is scanned once; the value is never scanned.
        assertTrue(alloc.byteReads() < 50_000 + 200, "bytes examined: " + alloc.byteReads());
        MemcacheRequest get = channel.readInbound();
        MemcacheRequest set = channel.readInbound();
        assertEquals(5001, get.tokenCount());
        assertEquals(100_000 + 2, set.raw().readableBytes() - set.lineLength());
        get.release();
        set.release();
        assertFalse(channel.finishAndReleaseAll());
        alloc.assertAllReleased();
    }

    @Test
    void partialInputIsKeptForAMigratingConnection() {
        MemcacheRequestDecoder decoder = new MemcacheRequestDecoder(1 << 20);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("get a\r\nset k 0 0 5\r\nhel")));
        MemcacheRequest get = channel.readInbound();
        get.release();
        assertEquals("set k 0 0 5\r\nhel", new String(decoder.unparsedBytes(), StandardCharsets.ISO_8859_1));
        channel.finishAndReleaseAll();
    }

    @Test
    void afterAFramingErrorEverythingIsDiscarded() {
        EmbeddedChannel channel = new EmbeddedChannel(new MemcacheRequestDecoder(1 << 20));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("set k 0 0 z\r\n")));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes("get a\r\n")));
        MemcacheProtocolError e = channel.readInbound();
        assertEquals("CLIENT_ERROR bad command line format.  Usage: set <key> <flags> <exptime> <bytes> [noreply]", e.line());
        assertNull(channel.readInbound());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void commandLookupIsExact() {
        for (MemcacheCommand c : MemcacheCommand.values()) {
            byte[] name = bytes(c.lowerName());
            assertEquals(c, MemcacheCommand.lookup(Unpooled.wrappedBuffer(name), 0, name.length));
            byte[] upper = bytes(c.lowerName().toUpperCase());
            assertNull(MemcacheCommand.lookup(Unpooled.wrappedBuffer(upper), 0, upper.length));
            byte[] longer = Arrays.copyOf(name, name.length + 1);
            longer[name.length] = 'x';
            assertNull(MemcacheCommand.lookup(Unpooled.wrappedBuffer(longer), 0, longer.length));
        }
    }
}
