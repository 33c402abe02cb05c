package io.twd.daemon.internal.admin;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.TooLongFrameException;
import io.twd.daemon.internal.lifecycle.Daemon;
import io.twd.daemon.internal.proxy.Log;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminResponse;
import io.twd.protocol.admin.AdminSyntaxException;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One admin connection. Commands are answered in order: while a change is being applied the
 * connection is not read, and lines already read wait, so a later command cannot overtake the
 * change's reply.
 */
final class AdminHandler extends SimpleChannelInboundHandler<String> {
    private final Daemon daemon;
    private final Daemon.AdminAccess access;
    private Daemon.PendingChange pending;
    private AdminServer.AdminHandoff handoff;
    private boolean inputShutdown;
    /** Lines read while a change was pending: answered in order once its reply is out (or moved). */
    private final ArrayDeque<String> waiting = new ArrayDeque<>();
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
        if (pending != null || handoff != null) {
            // Decoded from the same read as a change: it must not overtake the change's reply.
            waiting.addLast(line);
            return;
        }
        handle(ctx, line);
    }

    private void handle(ChannelHandlerContext ctx, String line) {
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
            if (handoff == null) {
                // The change that went live may be this one, and the drain thread may not have
                // told this connection yet: it follows the change now, not after a read here.
                handoff = daemon.adminHandoff();
            }
            if (handoff != null) {
                migrate(ctx.channel()); // with the lines still waiting: the new process answers them
                return;
            }
            goOn(ctx);
        }));
    }

    /** No change pending any more: answer the lines that waited, then read again (or close). */
    private void goOn(ChannelHandlerContext ctx) {
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
    }

    /** The successor died before this connection moved: stay, and go on here. */
    void rejoin(ChannelHandlerContext ctx) {
        if (handoff == null || moving || !ctx.channel().isActive()) {
            return;
        }
        handoff = null;
        if (pending == null) {
            goOn(ctx);
        }
    }

    private String tooLong() {
        return "line too long (limit " + access.maxLineBytes() + " bytes)";
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
        moving = true;
        AdminServer.AdminHandoff target = handoff;
        ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess() || !ch.isActive()) {
                ch.close();
                return;
            }
            ByteArrayOutputStream lines = new ByteArrayOutputStream();
            for (String line : waiting) {
                // Refused lines are sent as they would be refused there too.
                if (line == StrictUtf8Decoder.INVALID) {
                    lines.write(0xff);
                } else if (line == StrictUtf8Decoder.TOO_LONG) {
                    lines.writeBytes(new byte[access.maxLineBytes() + 1]);
                } else {
                    lines.writeBytes(line.getBytes(StandardCharsets.UTF_8));
                }
                lines.write('\n');
            }
            waiting.clear();
            byte[] head = lines.toByteArray();
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
        if (evt instanceof ChannelInputShutdownEvent) {
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
            ctx.writeAndFlush(AdminResponse.err(tooLong()).encode());
            return;
        }
        ctx.close();
    }
}
