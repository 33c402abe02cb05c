package io.twd.daemon.internal.admin;

import io.netty.buffer.Unpooled;
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
 * change's reply. When this process hands over, the connection moves to the successor (after the
 * reply of the change that caused it), so it keeps working.
 */
final class AdminHandler extends SimpleChannelInboundHandler<String> {
    private static final int OWN_UID = ownUid();

    private final Daemon daemon;
    private Daemon.PendingChange pending;
    /** Lines read while a change was pending: answered in order once its reply is out. */
    private final ArrayDeque<String> waiting = new ArrayDeque<>();
    /** Set when this connection is to move to the successor once no change is pending. */
    private AdminServer.Mover leaving;
    private boolean moved;
    private ChannelHandlerContext ctx;

    AdminHandler(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
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
        if (pending != null || leaving != null || moved) {
            // Lines decoded from the same read as a change wait for its reply (or move with us).
            waiting.addLast(line);
            return;
        }
        handle(ctx, line);
    }

    /** Answers one line; returns false if it started a change (the connection then waits for it). */
    private boolean handle(ChannelHandlerContext ctx, String line) {
        AdminRequest request;
        try {
            request = AdminRequest.parse(line);
        } catch (AdminSyntaxException e) {
            ctx.writeAndFlush(AdminResponse.err(e.getMessage()).encode());
            return true;
        }
        if (request == null) {
            return true;
        }
        if (request instanceof AdminRequest.Quit) {
            ctx.writeAndFlush(AdminResponse.ok("bye").encode()).addListener(ChannelFutureListener.CLOSE);
            return true;
        }
        if (!request.changesConfig()) {
            ctx.writeAndFlush(daemon.query(request).encode());
            return true;
        }
        ctx.channel().config().setAutoRead(false);
        pending = daemon.submitChange(request);
        pending.result().thenAccept(response -> ctx.channel().eventLoop().execute(() -> {
            pending = null;
            ctx.writeAndFlush(response.encode());
            // After a change went live, this process is draining: the connection follows the
            // change to the new process, which answers what comes next.
            AdminServer.Mover mover = leaving != null ? leaving : daemon.adminMover();
            if (mover != null) {
                leave(mover);
                return;
            }
            while (pending == null && !waiting.isEmpty()) {
                handle(ctx, waiting.pollFirst());
            }
            if (pending == null) {
                ctx.channel().config().setAutoRead(true);
            }
        }));
        return false;
    }

    /**
     * Moves this connection to the successor once no change is pending: stops reading, and hands
     * over the socket with the lines read but not answered yet and any partial line.
     */
    void leave(AdminServer.Mover mover) {
        if (moved || !ctx.channel().isActive()) {
            return;
        }
        leaving = mover;
        ctx.channel().config().setAutoRead(false);
        if (pending != null) {
            return; // after its reply
        }
        moved = true;
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess() || !ctx.channel().isActive()) {
                ctx.close();
                return;
            }
            StringBuilder lines = new StringBuilder();
            for (String line : waiting) {
                lines.append(line).append('\n');
            }
            waiting.clear();
            byte[] head = lines.toString().getBytes(StandardCharsets.UTF_8);
            byte[] tail = ctx.pipeline().get(AdminServer.FrameDecoder.class).unparsedBytes();
            byte[] unread = new byte[head.length + tail.length];
            System.arraycopy(head, 0, unread, 0, head.length);
            System.arraycopy(tail, 0, unread, head.length, tail.length);
            Log.info("admin: moving a connection to the new process (%d bytes unread)", unread.length);
            mover.move(ctx.channel(), unread).addListener(done -> {
                if (!done.isSuccess()) {
                    Log.warn("admin: a connection could not move to the new process, closing it: %s", done.cause());
                }
                ctx.channel().eventLoop().execute(ctx::close);
            });
        });
    }

    /** A change of this connection is pending: it is not read until the reply is out. */
    boolean busy() {
        return pending != null || moved;
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
