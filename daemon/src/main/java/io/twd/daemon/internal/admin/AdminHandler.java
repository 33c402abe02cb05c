package io.twd.daemon.internal.admin;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.TooLongFrameException;
import io.twd.daemon.internal.lifecycle.Daemon;
import io.twd.daemon.internal.proxy.Log;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminResponse;
import io.twd.protocol.admin.AdminSyntaxException;
import java.io.IOException;

/**
 * One admin connection. Commands are answered in order: while a change is being applied the
 * connection is not read, so a later command cannot overtake the change's reply.
 */
final class AdminHandler extends SimpleChannelInboundHandler<String> {
    private final Daemon daemon;
    private final Daemon.AdminAccess access;
    private Daemon.PendingChange pending;
    private AdminServer.AdminHandoff handoff;
    /** A peer that may not use the socket: it gets its answer, nothing it sends is read. */
    private boolean refused;
    /** Its move to the successor has started: it cannot stay any more. */
    private boolean moving;

    AdminHandler(Daemon daemon, Daemon.AdminAccess access) {
        this.daemon = daemon;
        this.access = access;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        String refusal;
        String who;
        try {
            PeerCredentials peer = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials();
            refusal = PeerCheck.refusal(peer, access.gid());
            who = "pid " + peer.pid() + " uid " + peer.uid() + " gid " + java.util.Arrays.toString(peer.gids());
        } catch (IOException e) {
            refusal = "the peer's credentials are unknown (" + e.getMessage() + ")";
            who = "an unknown peer";
        }
        if (refusal != null) {
            refused = true;
            Log.warn("admin: refused a connection from %s: %s", who, refusal);
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(AdminResponse.err("permission denied: " + refusal).encode())
                .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, String line) {
        if (refused) {
            return;
        }
        if (line == StrictUtf8Decoder.INVALID) {
            ctx.writeAndFlush(AdminResponse.err("line is not valid UTF-8").encode());
            return;
        }
        if (line == StrictUtf8Decoder.TOO_LONG) {
            ctx.writeAndFlush(AdminResponse.err(tooLong()).encode());
            return;
        }
        AdminRequest request;
        try {
            request = AdminRequest.parse(line);
        } catch (AdminSyntaxException e) {
            ctx.writeAndFlush(AdminResponse.err(e.getMessage()).encode());
            return;
        }
        if (request == null) {
            return;
        }
        if (request instanceof AdminRequest.Quit) {
            ctx.writeAndFlush(AdminResponse.ok("bye").encode()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!request.changesConfig()) {
            ctx.writeAndFlush(daemon.query(request).encode());
            return;
        }
        ctx.channel().config().setAutoRead(false);
        pending = daemon.submitChange(request);
        pending.result().thenAccept(response -> ctx.channel().eventLoop().execute(() -> {
            pending = null;
            ctx.writeAndFlush(response.encode());
            if (handoff != null) {
                migrate(ctx.channel());
            } else {
                ctx.channel().config().setAutoRead(true);
            }
        }));
    }

    /** Handoff: stop reading; move to the successor now, or once the change in progress is answered. */
    void leaveWhenIdle(io.netty.channel.Channel ch, AdminServer.AdminHandoff target) {
        if (handoff != null || !ch.isActive()) {
            return;
        }
        handoff = target;
        ch.config().setAutoRead(false);
        if (pending == null) {
            migrate(ch);
        }
    }

    /** The successor died before this connection moved: stay, and read again. */
    void rejoin(io.netty.channel.Channel ch) {
        if (handoff == null || moving || !ch.isActive()) {
            return;
        }
        handoff = null;
        if (pending == null) {
            ch.config().setAutoRead(true);
        }
    }

    private void migrate(io.netty.channel.Channel ch) {
        moving = true;
        AdminServer.AdminHandoff target = handoff;
        ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess() || !ch.isActive()) {
                ch.close();
                return;
            }
            byte[] unread = ((AdminLineDecoder) ch.pipeline().get("decoder")).unparsedBytes();
            target.migrate(ch, unread).addListener(done -> ch.eventLoop().execute(ch::close));
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // A change still waiting for its turn is dropped when its client goes away.
        if (pending != null) {
            pending.cancelIfWaiting();
        }
    }

    private String tooLong() {
        return "line too long (limit " + access.maxLineBytes() + " bytes)";
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            ctx.writeAndFlush(AdminResponse.err(tooLong()).encode());
            return;
        }
        ctx.close();
    }
}
