package io.twd.daemon.internal.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.util.CharsetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.twd.daemon.internal.lifecycle.Daemon;
import io.twd.daemon.internal.proxy.Engine;
import io.twd.daemon.internal.proxy.Log;
import io.twd.protocol.admin.AdminProtocol;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The admin socket: a unix stream socket, mode 0600 in a 0700 directory, speaking the line
 * protocol of docs/admin-protocol.md. Peers other than root and the daemon's own user are refused.
 */
public final class AdminServer {
    private final Daemon daemon;
    private final String path;
    private final EventLoopGroup group;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private Channel channel;

    public AdminServer(Daemon daemon, String path, EventLoopGroup group) {
        this.daemon = daemon;
        this.path = path;
        this.group = group;
    }

    /** The handoff key of the admin listener. */
    public static String key(String path) {
        return "admin:" + path;
    }

    public void bind() throws IOException {
        Path socket = Path.of(path);
        Path dir = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (Files.exists(socket)) {
            if (isServed(socket)) {
                throw new IOException("admin socket " + path + " is in use: is another twd running?");
            }
            Files.delete(socket);
        }
        ChannelFuture f = bootstrap().channel(EpollServerDomainSocketChannel.class)
            .bind(new DomainSocketAddress(path)).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new IOException("cannot listen on admin socket " + path + ": " + f.cause().getMessage(), f.cause());
        }
        channel = f.channel();
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    }

    /** Serves on the admin socket a predecessor handed over. */
    public void adopt(int fd) {
        EpollServerDomainSocketChannel ch = new EpollServerDomainSocketChannel(fd, true);
        bootstrap().channelFactory(() -> ch).register().syncUninterruptibly();
        channel = ch;
    }

    public Channel channel() {
        return channel;
    }

    /** Stops listening; the socket file stays when a successor serves it now. */
    public void stop(boolean handedOver) {
        if (channel != null) {
            if (handedOver) {
                Engine.release(channel);
            } else {
                channel.close().awaitUninterruptibly();
            }
            channel = null;
            if (!handedOver) {
                try {
                    Files.deleteIfExists(Path.of(path));
                } catch (IOException ignored) {
                    // the next start unlinks a stale socket file
                }
            }
        }
    }

    /** Closes the open admin connections once their replies are out (end of a drain). */
    public void closeConnections() {
        connections.close().awaitUninterruptibly();
    }

    /** Moves an admin connection to the successor: its socket and the bytes read but not answered. */
    public interface Mover {
        /** Called on the connection's loop with reading stopped; it closes its copy when this completes. */
        Future<?> move(Channel channel, byte[] unread);
    }

    /**
     * Handoff: every admin connection moves to the successor as soon as no change of its own is
     * pending (a connection waiting for a change's reply moves right after the reply).
     */
    public void handOff(Mover mover) {
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> {
                AdminHandler h = ch.pipeline().get(AdminHandler.class);
                if (h != null) {
                    h.leave(mover);
                }
            });
        }
    }

    /** Waits up to {@code millis} for the admin connections to be gone (moved or closed). */
    public void awaitNoConnections(long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (!connections.isEmpty() && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Takes over an admin connection the predecessor moved here, reading {@code unread} first. */
    public void adoptConnection(int fd, byte[] unread) {
        Log.info("admin: adopting a connection from the previous process (%d bytes unread)", unread.length);
        EpollDomainSocketChannel ch = new EpollDomainSocketChannel(fd);
        ch.config().setAutoRead(false);
        initConnection(ch);
        group.next().register(ch).addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
                return;
            }
            if (unread.length > 0) {
                ch.pipeline().fireChannelRead(Unpooled.wrappedBuffer(unread));
                ch.pipeline().fireChannelReadComplete();
            }
            // The handler re-enables reading itself if one of those lines started a change.
            if (ch.pipeline().get(AdminHandler.class) != null && !ch.pipeline().get(AdminHandler.class).busy()) {
                ch.config().setAutoRead(true);
            }
        });
    }

    private ServerBootstrap bootstrap() {
        return new ServerBootstrap().group(group).childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                initConnection(ch);
            }
        });
    }

    private void initConnection(Channel ch) {
        connections.add(ch);
        ch.pipeline().addLast(new FrameDecoder());
        ch.pipeline().addLast(new StringDecoder(CharsetUtil.UTF_8));
        ch.pipeline().addLast(new StringEncoder(CharsetUtil.UTF_8));
        ch.pipeline().addLast(new AdminHandler(daemon));
    }

    /** The request line decoder, which can give up a partial line when the connection moves. */
    static final class FrameDecoder extends LineBasedFrameDecoder {
        FrameDecoder() {
            super(AdminProtocol.MAX_LINE_BYTES + 2, true, false);
        }

        byte[] unparsedBytes() {
            ByteBuf pending = internalBuffer();
            byte[] out = new byte[pending.readableBytes()];
            pending.getBytes(pending.readerIndex(), out);
            return out;
        }
    }

    private static boolean isServed(Path socket) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
