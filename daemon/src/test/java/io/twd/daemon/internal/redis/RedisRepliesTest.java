package io.twd.daemon.internal.redis;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.twd.daemon.internal.TrackingAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisRepliesTest {
    private final TrackingAllocator alloc = new TrackingAllocator();
    private final List<ByteBuf> toRelease = new ArrayList<>();

    @AfterEach
    void releaseAll() {
        toRelease.forEach(ByteBuf::release);
        alloc.assertAllReleased();
    }

    /** The reply as a buffer whose reader index is not 0, as slices of a cumulation have. */
    private ByteBuf reply(String text) {
        ByteBuf buf = alloc.buffer().writeBytes(("garbage" + text).getBytes(StandardCharsets.ISO_8859_1));
        buf.skipBytes(7);
        toRelease.add(buf);
        return buf;
    }

    private String text(ByteBuf buf) {
        toRelease.add(buf);
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void recognisesErrors() {
        assertTrue(RedisReplies.isError(reply("-ERR x\r\n")));
        assertFalse(RedisReplies.isError(reply("+OK\r\n")));
        assertFalse(RedisReplies.isError(reply("")));
    }

    @Test
    void recognisesTheErrorsTwemproxyTreatsAsServerFailures() {
        assertTrue(RedisReplies.isFailureError(reply("-OOM command not allowed when used memory > 'maxmemory'.\r\n")));
        assertTrue(RedisReplies.isFailureError(reply("-BUSY Redis is busy running a script.\r\n")));
        assertTrue(RedisReplies.isFailureError(reply("-LOADING Redis is loading the dataset in memory\r\n")));
        assertTrue(RedisReplies.isFailureError(reply("-OOM\r\n")));
        assertFalse(RedisReplies.isFailureError(reply("-BUSYKEY Target key name already exists.\r\n")));
        assertFalse(RedisReplies.isFailureError(reply("-OOMX\r\n")));
        assertFalse(RedisReplies.isFailureError(reply("-ERR OOM\r\n")));
        assertFalse(RedisReplies.isFailureError(reply("+OOM\r\n")));
        assertFalse(RedisReplies.isFailureError(reply("-OOM")));
    }

    @Test
    void readsIntegerReplies() {
        assertEquals(0, RedisReplies.integer(reply(":0\r\n")));
        assertEquals(42, RedisReplies.integer(reply(":42\r\n")));
        assertEquals(-5, RedisReplies.integer(reply(":-5\r\n")));
        assertEquals(Long.MAX_VALUE, RedisReplies.integer(reply(":9223372036854775807\r\n")));
        assertEquals(Long.MIN_VALUE, RedisReplies.integer(reply(":-9223372036854775808\r\n")));
        for (String bad : new String[] {"+OK\r\n", ":\r\n", ":-\r\n", ":12a\r\n", ":1\r\nx", ":1\n", "$1\r\n1\r\n",
                ":9223372036854775808\r\n", ":-9223372036854775809\r\n", ":99999999999999999999\r\n"}) {
            assertThrows(IllegalArgumentException.class, () -> RedisReplies.integer(reply(bad)), bad);
        }
    }

    @Test
    void locatesArrayElementsWholeForMerging() {
        String[] elements = {"$1\r\na\r\n", "$-1\r\n", "*2\r\n:1\r\n$2\r\n\r\n\r\n", "+OK\r\n", "$0\r\n\r\n"};
        ByteBuf buf = reply("*5\r\n" + String.join("", elements));
        int[] positions = new int[10];
        assertEquals(5, RedisReplies.arrayLength(buf));
        assertEquals(5, RedisReplies.arrayElements(buf, positions));
        for (int i = 0; i < elements.length; i++) {
            ByteBuf element = buf.slice(buf.readerIndex() + positions[2 * i], positions[2 * i + 1]);
            assertEquals(elements[i], element.toString(StandardCharsets.ISO_8859_1));
        }
        assertEquals(7, buf.readerIndex());
    }

    @Test
    void arrayEdgeCases() {
        assertEquals(0, RedisReplies.arrayElements(reply("*0\r\n"), new int[0]));
        assertEquals(-1, RedisReplies.arrayElements(reply("*-1\r\n"), new int[0]));
        assertThrows(IllegalArgumentException.class, () -> RedisReplies.arrayElements(reply("*2\r\n:1\r\n:2\r\n"), new int[3]));
        assertThrows(IllegalArgumentException.class, () -> RedisReplies.arrayElements(reply("*2\r\n:1\r\n"), new int[4]));
        assertThrows(IllegalArgumentException.class, () -> RedisReplies.arrayElements(reply("*1\r\n$5\r\nab\r\n"), new int[2]));
        assertThrows(IllegalArgumentException.class, () -> RedisReplies.arrayElements(reply("*1\r\n?x\r\n"), new int[2]));
        assertThrows(IllegalArgumentException.class, () -> RedisReplies.arrayLength(reply("+OK\r\n")));
        assertThrows(IllegalArgumentException.class, () -> RedisReplies.arrayLength(reply("*x\r\n")));
    }

    @Test
    void writesErrors() {
        assertEquals("-ERR unknown command 'foo'\r\n", text(RedisReplies.error(alloc, "unknown command 'foo'")));
        assertEquals("-ERR a  b \r\n", text(RedisReplies.error(alloc, "a\r\nb\n")));
        assertEquals("-NOAUTH Authentication required\r\n", text(RedisReplies.error(alloc, "NOAUTH", "Authentication required")));
    }

    @Test
    void sharedRepliesAreIndependentAndNeedNoRelease() {
        ByteBuf ok = RedisReplies.ok();
        ok.skipBytes(3);
        assertFalse(ok.release());
        assertEquals("+OK\r\n", RedisReplies.ok().toString(StandardCharsets.US_ASCII));
        assertEquals("+PONG\r\n", RedisReplies.pong().toString(StandardCharsets.US_ASCII));
        assertThrows(Exception.class, () -> RedisReplies.pong().setByte(0, '-'));
    }

    @Test
    void writesIntegersAndArrayHeaders() {
        long[] values = {0, 7, 10, -1, -10, 123456789, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long v : values) {
            assertEquals(":" + v + "\r\n", text(RedisReplies.integer(alloc, v)));
        }
        assertEquals("*0\r\n", text(RedisReplies.arrayHeader(alloc, 0)));
        assertEquals("*12\r\n", text(RedisReplies.arrayHeader(alloc, 12)));
    }

    @Test
    void writesCommandsAndBulksThatTheRequestDecoderReadsBack() {
        ByteBuf auth = RedisReplies.command(alloc, "AUTH", "pässwörd");
        assertEquals("*2\r\n$4\r\nAUTH\r\n$10\r\npässwörd\r\n", auth.toString(StandardCharsets.UTF_8));
        toRelease.add(auth);

        ByteBuf src = reply("xxkey1yy");
        ByteBuf sub = alloc.buffer();
        toRelease.add(sub);
        RedisReplies.writeArrayHeader(sub, 2);
        RedisReplies.writeBulk(sub, Unpooled.wrappedBuffer("mget".getBytes(StandardCharsets.US_ASCII)), 0, 4);
        RedisReplies.writeBulk(sub, src, src.readerIndex() + 2, 4);
        assertEquals(7, src.readerIndex());
        byte[] bytes = new byte[sub.readableBytes()];
        sub.getBytes(sub.readerIndex(), bytes);
        assertArrayEquals(Harness.req("mget", "key1"), bytes);
        assertEquals(List.of("mget@1: mget key1"), Harness.summaries(() -> new RedisRequestDecoder(100, 100, 1000), bytes));
    }
}
