package io.twd.daemon.internal.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.buffer.Unpooled;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.util.CharsetUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.twd.daemon.internal.lifecycle.Daemon;
import io.twd.daemon.internal.proxy.Engine;
import io.twd.daemon.internal.proxy.Log;
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
    private final Daemon.AdminAccess access;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private Channel channel;
    private boolean parked;

    public AdminServer(Daemon daemon, String path, EventLoopGroup group, Daemon.AdminAccess access) {
        this.daemon = daemon;
        this.path = path;
        this.group = group;
        this.access = access;
    }

    /** The handoff key of the admin listener. */
    public static String key(String path) {
        return "admin:" + path;
    }

    public void bind() throws IOException {
        Path socket = Path.of(path);
        Path dir = socket.toAbsolutePath().getParent();
        boolean group = access.gid() >= 0;
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            if (group) {
                // The group needs to reach the socket: rwxr-x---, owned by the group.
                Files.setAttribute(dir, "unix:gid", access.gid());
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
            }
        } else {
            checkDirectory(dir);
        }
        if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
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
        if (group) {
            Files.setAttribute(socket, "unix:gid", access.gid());
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        } else {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        }
    }

    /**
     * Whoever controls the directory controls what the socket's path leads to: another user who
     * owns it, or may write to it (no sticky bit), could replace the socket with one of their own
     * and read what twctl sends (passwords in {@code pool set redis_auth=}). Such a directory is
     * refused, as under /tmp someone could have created it first.
     */
    private static void checkDirectory(Path dir) throws IOException {
        int owner = (Integer) Files.getAttribute(dir, "unix:uid");
        int mode = (Integer) Files.getAttribute(dir, "unix:mode");
        if (owner != 0 && owner != PeerCheck.OWN_UID) {
            throw new IOException("admin socket directory " + dir + " belongs to uid " + owner
                + ", not to this user (uid " + PeerCheck.OWN_UID + ") or root");
        }
        boolean sticky = (mode & 01000) != 0;
        if ((mode & 0022) != 0 && !sticky) {
            throw new IOException("admin socket directory " + dir + " is writable by others (mode "
                + Integer.toOctalString(mode & 07777) + "); make it 0700 or 0750");
        }
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

    /** Handoff: stop accepting but keep the socket, in case the successor dies (Engine.parkListeners). */
    public void park() {
        if (channel != null && !parked) {
            Engine.park(channel);
            parked = true;
        }
    }

    /** The successor died: accept on the parked socket again, and keep the connections not moved yet. */
    public void unpark() {
        if (channel != null && parked) {
            Engine.unpark(channel, group);
            parked = false;
        } else if (channel == null) {
            try {
                bind();
            } catch (IOException | RuntimeException e) {
                Log.error("the admin socket cannot listen again: %s", e.getMessage());
            }
        }
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> {
                AdminHandler h = (AdminHandler) ch.pipeline().get("admin");
                if (h != null) {
                    h.rejoin(ch.pipeline().context("admin"));
                }
            });
        }
    }

    /** Stops listening; the socket file stays when a successor serves it now. */
    public void stop(boolean handedOver) {
        if (channel != null) {
            if (parked) {
                Engine.closeParked(channel);
            } else if (handedOver) {
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

    public int connectionCount() {
        return connections.size();
    }

    /** Closes the open admin connections once their replies are out (end of a drain). */
    public void closeConnections() {
        connections.close().awaitUninterruptibly();
    }

    private ServerBootstrap bootstrap() {
        return new ServerBootstrap().group(group)
            // `printf 'reload\n' | socat - UNIX-CONNECT:...` shuts its side down after writing:
            // keep the connection to answer what it sent.
            .childOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                initConnection(ch);
            }
        });
    }

    private void initConnection(Channel ch) {
        connections.add(ch);
        ch.pipeline().addLast("decoder", new AdminLineDecoder(access.maxLineBytes()));
        ch.pipeline().addLast(new StrictUtf8Decoder(access.maxLineBytes()));
        ch.pipeline().addLast(new StringEncoder(CharsetUtil.UTF_8));
        ch.pipeline().addLast("admin", new AdminHandler(daemon, access));
    }

    /**
     * Handoff: every admin connection moves to the successor once it has no change in progress,
     * so an operator's session (and the connection that asked for the change) keeps working.
     */
    public void handOff(AdminHandoff handoff) {
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> {
                AdminHandler h = (AdminHandler) ch.pipeline().get("admin");
                if (h != null) {
                    h.leaveWhenIdle(ch, handoff);
                }
            });
        }
    }

    /** Takes over an admin connection a predecessor handed over, feeding its half-read line first. */
    public void adoptConnection(int fd, byte[] unread) {
        EpollDomainSocketChannel ch = new EpollDomainSocketChannel(fd);
        ch.config().setAutoRead(false);
        ch.config().setAllowHalfClosure(true);
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
            // If one of those lines started a change, the handler reads again after its reply.
            AdminHandler h = (AdminHandler) ch.pipeline().get("admin");
            if (h == null || !h.busy()) {
                ch.config().setAutoRead(true);
            }
        });
    }

    /** Where a moving admin connection goes; the connection closes its copy when it completes. */
    public interface AdminHandoff {
        io.netty.util.concurrent.Future<?> migrate(Channel channel, byte[] unread);
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
