package io.twd.daemon.internal.admin;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.twd.daemon.internal.proxy.UnparsedBytes;

/** Admin request lines; a half-typed line moves with its connection during a handoff. */
final class AdminLineDecoder extends LineBasedFrameDecoder implements UnparsedBytes {
    /**
     * @param maxLineBytes the longest line, without its CRLF ({@code --admin-max-line}). Frames
     *     get one byte more, so that a line whose CR has arrived but not yet its LF is not taken
     *     for too long; {@link StrictUtf8Decoder} refuses a frame over the limit.
     */
    AdminLineDecoder(int maxLineBytes) {
        super(maxLineBytes + 1, true, false);
    }

    @Override
    public byte[] unparsedBytes() {
        ByteBuf pending = internalBuffer();
        byte[] out = new byte[pending.readableBytes()];
        pending.getBytes(pending.readerIndex(), out);
        return out;
    }
}
