package io.twd.daemon.internal.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * The small buffers written to one connection since its last flush, gathered into one buffer.
 *
 * <p>Each message handed to a Netty channel costs an outbound-buffer entry, a pipeline pass and
 * an iovec; with pipelined clients, or many clients sharing one backend connection, a flush
 * carries dozens of requests or replies of a few dozen bytes each, and that per-message cost
 * outweighs copying the bytes. So the first small buffer is kept as it is (a flush of one
 * message copies nothing), and from the second on they are copied into one pooled buffer.
 * Buffers above {@link #COPY_LIMIT} are never copied: they are written as they are, in order.
 *
 * <p>Owned by one connection, used only on its event loop.
 */
final class WriteBatch {
    /** Larger buffers are written as they are. */
    static final int COPY_LIMIT = 1024;
    /** A gathered buffer is written out before it grows past this. */
    private static final int MAX_GATHERED = 64 * 1024;
    private static final int INITIAL = 2048;

    /** The first small buffer since the last drain, not copied yet. */
    private ByteBuf single;
    /** Copies of several small buffers. */
    private ByteBuf gathered;

    /** Adds {@code buf} (ownership passes here) after everything added before. */
    void add(Channel channel, ByteBuf buf) {
        int n = buf.readableBytes();
        if (n > COPY_LIMIT) {
            drainTo(channel);
            channel.write(buf, channel.voidPromise());
            return;
        }
        if (gathered != null) {
            if (gathered.readableBytes() + n > MAX_GATHERED) {
                drainTo(channel);
                single = buf;
                return;
            }
            Buffers.append(gathered, buf);
            buf.release();
            return;
        }
        if (single == null) {
            single = buf;
            return;
        }
        ByteBuf first = single;
        single = null;
        gathered = channel.alloc().ioBuffer(Math.max(INITIAL, first.readableBytes() + n));
        Buffers.append(gathered, first);
        first.release();
        Buffers.append(gathered, buf);
        buf.release();
    }

    /** Writes (without flushing) what was gathered. */
    void drainTo(Channel channel) {
        if (single != null) {
            ByteBuf b = single;
            single = null;
            channel.write(b, channel.voidPromise());
        } else if (gathered != null) {
            ByteBuf b = gathered;
            gathered = null;
            channel.write(b, channel.voidPromise());
        }
    }

    /** Drops what was gathered: the connection is gone. */
    void release() {
        if (single != null) {
            single.release();
            single = null;
        }
        if (gathered != null) {
            gathered.release();
            gathered = null;
        }
    }
}
