package io.twd.daemon.internal.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuffersTest {
    private static final ByteBufAllocator POOLED = ByteBufAllocator.DEFAULT;

    /** Every kind of source twd copies from: pooled direct (a read), a slice of one, heap, composite. */
    private static List<ByteBuf> sources(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        ByteBuf direct = POOLED.directBuffer().writeBytes(bytes);
        ByteBuf around = POOLED.directBuffer().writeBytes("xx".getBytes(StandardCharsets.US_ASCII))
            .writeBytes(bytes).writeBytes("yy".getBytes(StandardCharsets.US_ASCII));
        ByteBuf slice = around.retainedSlice(2, bytes.length);
        around.release();
        CompositeByteBuf composite = POOLED.compositeBuffer();
        composite.addComponent(true, Unpooled.wrappedBuffer(bytes, 0, 3));
        composite.addComponent(true, POOLED.directBuffer().writeBytes(bytes, 3, bytes.length - 3));
        return List.of(direct, slice, Unpooled.wrappedBuffer(bytes), composite);
    }

    @Test
    void appendsTheReadableBytesAndLeavesTheSourceAsItWas() {
        for (ByteBuf dst : List.of(POOLED.ioBuffer(4), Unpooled.buffer(4))) {
            dst.writeBytes("$3\r\n".getBytes(StandardCharsets.US_ASCII));
            for (ByteBuf src : sources("+OK\r\n")) {
                int reader = src.readerIndex();
                Buffers.append(dst, src);
                assertEquals(reader, src.readerIndex(), src.getClass().getSimpleName());
                src.release();
            }
            assertEquals("$3\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n", dst.toString(StandardCharsets.US_ASCII));
            dst.release();
        }
    }

    @Test
    void appendsARangeAndGrowsTheDestination() {
        ByteBuf dst = POOLED.ioBuffer(2);
        for (ByteBuf src : sources("*2\r\n$3\r\nGET\r\n")) {
            Buffers.append(dst, src, src.readerIndex() + 4, 9);
            src.release();
        }
        assertEquals("$3\r\nGET\r\n".repeat(4), dst.toString(StandardCharsets.US_ASCII));
        assertEquals(36, dst.writerIndex());
        dst.release();
    }
}
