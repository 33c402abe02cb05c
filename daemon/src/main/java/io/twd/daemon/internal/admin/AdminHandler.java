package io.twd.daemon.internal.admin;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.twd.daemon.internal.lifecycle.Daemon;
import io.twd.daemon.internal.proxy.Log;
import io.twd.protocol.admin.AdminProtocol;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminResponse;
import io.twd.protocol.admin.AdminSyntaxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One admin connection. Commands are answered in order: while a change is being applied the
 * connection is not read, so a later command cannot overtake the change's reply.
 */
final class AdminHandler extends SimpleChannelInboundHandler<String> {
    private static final int OWN_UID = ownUid();

    private final Daemon daemon;
    private Daemon.PendingChange pending;

    AdminHandler(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        int uid;
        try {
            uid = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials().uid();
        } catch (IOException e) {
            uid = -1;
        }
        if (uid != 0 && uid != OWN_UID) {
            Log.warn("admin: refused a connection from uid %d (only root and uid %d may connect)", uid, OWN_UID);
            ctx.writeAndFlush(AdminResponse.err("permission denied: uid " + uid
                    + " may not use this socket (root or uid " + OWN_UID + " only)").encode())
                .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, String line) {
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
        Daemon.PendingChange change = daemon.submitChange(request);
        pending = change;
        change.result().thenAccept(response -> ctx.channel().eventLoop().execute(() -> {
            pending = null;
            ctx.writeAndFlush(response.encode()).addListener(f -> change.replySent());
            ctx.channel().config().setAutoRead(true);
        }));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // A change still waiting for its turn is dropped when its client goes away.
        if (pending != null) {
            pending.cancelIfWaiting();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            ctx.writeAndFlush(AdminResponse.err("line too long (limit " + AdminProtocol.MAX_LINE_BYTES + " bytes)").encode());
            return;
        }
        ctx.close();
    }

    private static int ownUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return 0;
        }
    }
}
