package io.twd.daemon.internal.proxy;

import io.netty.buffer.ByteBuf;

/** Copying between buffers on the hot path. */
public final class Buffers {
    private Buffers() {
    }

    /**
     * Appends {@code length} bytes of {@code src} from {@code index} to {@code dst}, as
     * {@code dst.writeBytes(src, index, length)} would, but with the copy driven by the source.
     * The direct buffers of Netty's default allocator copy memory to memory that way;
     * {@code writeBytes} into one makes a {@link java.nio.ByteBuffer} view of the source for
     * every call instead: an allocation per copy, for the few-dozen-byte requests and replies twd
     * gathers into one write (docs/benchmarks.md, change 10).
     */
    public static void append(ByteBuf dst, ByteBuf src, int index, int length) {
        dst.ensureWritable(length);
        int at = dst.writerIndex();
        src.getBytes(index, dst, at, length);
        dst.writerIndex(at + length);
    }

    /** Appends {@code src}'s readable bytes to {@code dst}, leaving {@code src}'s reader index alone. */
    public static void append(ByteBuf dst, ByteBuf src) {
        append(dst, src, src.readerIndex(), src.readableBytes());
    }
}
