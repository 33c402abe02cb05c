package io.twd.daemon.internal.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * What the redis and memcached request decoders share as decoders of a client's requests: they
 * can give up their unframed bytes to a migrating connection ({@link UnparsedBytes}), and they
 * keep framing after the client half-closes.
 */
public abstract class ClientRequestDecoder extends ByteToMessageDecoder implements UnparsedBytes {

    /**
     * A client that half-closed sends nothing more, but what it sent is still answered: requests
     * the gate held back are framed once it reopens. ByteToMessageDecoder would drop its buffer
     * here; it is released when the channel closes instead (a partial request is then dropped).
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
