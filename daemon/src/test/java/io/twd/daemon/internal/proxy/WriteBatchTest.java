package io.twd.daemon.internal.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteBatchTest {
    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static List<ByteBuf> written(EmbeddedChannel ch) {
        ch.flush();
        List<ByteBuf> out = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.add(b);
        }
        return out;
    }

    private static String text(List<ByteBuf> bufs) {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b : bufs) {
            sb.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void aSingleSmallBufferIsWrittenAsItIs() {
        EmbeddedChannel ch = new EmbeddedChannel();
        WriteBatch batch = new WriteBatch();
        ByteBuf one = buf("+OK\r\n");
        batch.add(ch, one);
        batch.drainTo(ch);
        List<ByteBuf> out = written(ch);
        assertEquals(1, out.size());
        assertSame(one, out.get(0));
        assertEquals("+OK\r\n", text(out));
        ch.finishAndReleaseAll();
    }

    @Test
    void smallBuffersAreGatheredIntoOneInOrder() {
        EmbeddedChannel ch = new EmbeddedChannel();
        WriteBatch batch = new WriteBatch();
        List<ByteBuf> in = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            String s = "$" + i + "\r\nvalue-" + i + "\r\n";
            expected.append(s);
            ByteBuf b = buf(s);
            in.add(b);
            batch.add(ch, b);
        }
        batch.drainTo(ch);
        List<ByteBuf> out = written(ch);
        assertEquals(1, out.size());
        assertEquals(expected.toString(), text(out));
        for (ByteBuf b : in) {
            assertEquals(0, b.refCnt(), "copied buffers are released");
        }
        ch.finishAndReleaseAll();
    }

    @Test
    void largeBuffersKeepTheirPlaceAndAreNotCopied() {
        EmbeddedChannel ch = new EmbeddedChannel();
        WriteBatch batch = new WriteBatch();
        String large = "x".repeat(WriteBatch.COPY_LIMIT + 1);
        ByteBuf big = buf(large);
        batch.add(ch, buf("a"));
        batch.add(ch, buf("b"));
        batch.add(ch, big);
        batch.add(ch, buf("c"));
        batch.drainTo(ch);
        List<ByteBuf> out = written(ch);
        assertEquals(3, out.size());
        assertSame(big, out.get(1));
        assertEquals("ab" + large + "c", text(out));
        ch.finishAndReleaseAll();
    }

    @Test
    void aGatheredBufferIsWrittenBeforeItGrowsTooLarge() {
        EmbeddedChannel ch = new EmbeddedChannel();
        WriteBatch batch = new WriteBatch();
        String chunk = "y".repeat(1000);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            batch.add(ch, buf(chunk));
            expected.append(chunk);
        }
        batch.drainTo(ch);
        List<ByteBuf> out = written(ch);
        for (ByteBuf b : out) {
            assertEquals(true, b.readableBytes() <= 64 * 1024);
        }
        assertEquals(expected.toString(), text(out));
        ch.finishAndReleaseAll();
    }

    @Test
    void releaseDropsWhatWasNotWritten() {
        EmbeddedChannel ch = new EmbeddedChannel();
        WriteBatch batch = new WriteBatch();
        ByteBuf a = buf("a");
        ByteBuf b = buf("b");
        batch.add(ch, a);
        batch.release();
        assertEquals(0, a.refCnt());
        batch.add(ch, b);
        batch.add(ch, buf("c"));
        batch.release();
        assertEquals(0, b.refCnt());
        batch.drainTo(ch);
        assertNull(ch.readOutbound());
        ch.finishAndReleaseAll();
    }
}
