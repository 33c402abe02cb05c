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
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One admin connection. Commands are answered in order: while a change is being applied the
 * connection is not read, and lines already read wait, so a later command cannot overtake the
 * change's reply.
 */
final class AdminHandler extends SimpleChannelInboundHandler<String> {
    private static final int OWN_UID = ownUid();

    private final Daemon daemon;
    private Daemon.PendingChange pending;
    private AdminServer.AdminHandoff handoff;
    private boolean inputShutdown;
    /** Lines read while a change was pending: answered in order once its reply is out (or moved). */
    private final ArrayDeque<String> waiting = new ArrayDeque<>();

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
        if (pending != null || handoff != null) {
            // Decoded from the same read as a change: it must not overtake the change's reply.
            waiting.addLast(line);
            return;
        }
        handle(ctx, line);
    }

    private void handle(ChannelHandlerContext ctx, String line) {
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
            if (handoff == null) {
                // The change that went live may be this one, and the drain thread may not have
                // told this connection yet: it follows the change now, not after a read here.
                handoff = daemon.adminHandoff();
            }
            if (handoff != null) {
                migrate(ctx.channel()); // with the lines still waiting: the new process answers them
                return;
            }
            while (pending == null && !waiting.isEmpty()) {
                handle(ctx, waiting.pollFirst());
            }
            if (pending != null) {
                return;
            }
            if (inputShutdown) {
                ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.channel().config().setAutoRead(true);
            }
        }));
    }

    /** A change of this connection is being applied, or it is leaving: do not read it. */
    boolean busy() {
        return pending != null || handoff != null;
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

    private void migrate(io.netty.channel.Channel ch) {
        AdminServer.AdminHandoff target = handoff;
        ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess() || !ch.isActive()) {
                ch.close();
                return;
            }
            StringBuilder lines = new StringBuilder();
            for (String line : waiting) {
                lines.append(line).append('\n');
            }
            waiting.clear();
            byte[] head = lines.toString().getBytes(StandardCharsets.UTF_8);
            byte[] tail = ((AdminLineDecoder) ch.pipeline().get("decoder")).unparsedBytes();
            byte[] unread = new byte[head.length + tail.length];
            System.arraycopy(head, 0, unread, 0, head.length);
            System.arraycopy(tail, 0, unread, head.length, tail.length);
            target.migrate(ch, unread).addListener(done -> {
                if (!done.isSuccess()) {
                    Log.warn("admin: a connection could not move to the new process, closing it: %s", done.cause());
                }
                ch.eventLoop().execute(ch::close);
            });
        });
    }

    /** The client will send nothing more: answer what it sent (a change may still run), then close. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            inputShutdown = true;
            if (pending == null && handoff == null && waiting.isEmpty()) {
                ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
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
