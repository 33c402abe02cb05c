package io.twd.daemon.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands out unpooled heap buffers that count the bytes read from them one at a time (the access
 * the decoders use to scan), and remembers them to check that all are released.
 */
public final class TrackingAllocator extends AbstractByteBufAllocator {
    private final List<ByteBuf> buffers = new ArrayList<>();
    private long byteReads;

    public TrackingAllocator() {
        super(false);
    }

    /** Bytes read one at a time from this allocator's buffers so far. */
    public long byteReads() {
        return byteReads;
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

    public void assertAllReleased() {
        for (ByteBuf b : buffers) {
            assertEquals(0, b.refCnt(), "buffer not released");
        }
    }
}
