package io.twd.daemon.internal.admin;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.twd.daemon.internal.proxy.UnparsedBytes;
import io.twd.protocol.admin.AdminProtocol;

/** Admin request lines; a half-typed line moves with its connection during a handoff. */
final class AdminLineDecoder extends LineBasedFrameDecoder implements UnparsedBytes {
    AdminLineDecoder() {
        super(AdminProtocol.MAX_LINE_BYTES + 2, true, false);
    }

    @Override
    public byte[] unparsedBytes() {
        ByteBuf pending = internalBuffer();
        byte[] out = new byte[pending.readableBytes()];
        pending.getBytes(pending.readerIndex(), out);
        return out;
    }
}
