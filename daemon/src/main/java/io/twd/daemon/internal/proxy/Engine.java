package io.twd.daemon.internal.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.EventExecutor;
import io.twd.daemon.internal.memcache.MemcacheClientConnection;
import io.twd.daemon.internal.memcache.MemcacheReplyDecoder;
import io.twd.daemon.internal.memcache.MemcacheRequestDecoder;
import io.twd.daemon.internal.pool.Server;
import io.twd.daemon.internal.pool.ServerPool;
import io.twd.daemon.internal.redis.RedisClientConnection;
import io.twd.daemon.internal.redis.RedisReplyDecoder;
import io.twd.daemon.internal.redis.RedisRequestDecoder;
import io.twd.protocol.config.ListenAddress;
import io.twd.protocol.config.PoolConfig;
import io.twd.protocol.config.TwdConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The running proxy: a few epoll event loops, one listener per pool, and per-loop connections to
 * the backends. A process runs one config for its whole life; a config change starts a new
 * process, so nothing here is reconfigured in place.
 */
public final class Engine {
    private final TwdConfig config;
    private final EngineSettings settings;
    private final EventLoopGroup group;
    private final Map<EventLoop, LoopState> loops = new IdentityHashMap<>();
    private final ServerPool[] pools;
    private final List<Channel> listeners = new ArrayList<>();
    private final AtomicLong totalConnections = new AtomicLong();
    private final AtomicLong currConnections = new AtomicLong();
    private final long startMillis = System.currentTimeMillis();

    public Engine(TwdConfig config, EngineSettings settings) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("the native epoll transport is not available: "
                + Epoll.unavailabilityCause());
        }
        this.config = config;
        this.settings = settings;
        this.group = new MultiThreadIoEventLoopGroup(settings.threads(), EpollIoHandler.newFactory());
        int i = 0;
        for (EventExecutor e : group) {
            loops.put((EventLoop) e, new LoopState(i++, (EventLoop) e));
        }
        List<PoolConfig> poolConfigs = config.pools();
        this.pools = new ServerPool[poolConfigs.size()];
        for (int p = 0; p < pools.length; p++) {
            pools[p] = new ServerPool(poolConfigs.get(p), p, loops.size());
        }
    }

    public TwdConfig config() {
        return config;
    }

    public ServerPool[] pools() {
        return pools;
    }

    public EventLoopGroup group() {
        return group;
    }

    public long startMillis() {
        return startMillis;
    }

    public long totalConnections() {
        return totalConnections.get();
    }

    public long currConnections() {
        return currConnections.get();
    }

    /** Binds every pool's listener; on any failure nothing stays bound and the reason is thrown. */
    public void start() throws IOException {
        try {
            for (ServerPool pool : pools) {
                listeners.add(bind(pool));
            }
        } catch (IOException | RuntimeException e) {
            stop(0);
            throw e;
        }
        for (ServerPool pool : pools) {
            if (pool.config().preconnect()) {
                preconnect(pool);
            }
        }
    }

    private Channel bind(ServerPool pool) throws IOException {
        PoolConfig pc = pool.config();
        ListenAddress listen = pc.listen();
        ServerBootstrap b = new ServerBootstrap()
            .group(group)
            .option(ChannelOption.SO_BACKLOG, pc.backlog())
            .childOption(ChannelOption.AUTO_READ, true)
            .childHandler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    initClient(ch, pool);
                }
            });
        SocketAddress address;
        if (listen.isUnix()) {
            // As nutcracker: an existing socket file is unlinked before bind.
            Files.deleteIfExists(Path.of(listen.path()));
            b.channel(EpollServerDomainSocketChannel.class);
            address = new DomainSocketAddress(listen.path());
        } else {
            b.channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, pc.tcpkeepalive());
            if (pc.reuseport()) {
                b.option(EpollChannelOption.SO_REUSEPORT, true);
            }
            address = new InetSocketAddress(listen.host(), listen.port());
            if (((InetSocketAddress) address).isUnresolved()) {
                throw new IOException("pool '" + pc.name() + "': cannot resolve listen address '" + listen.text() + "'");
            }
        }
        ChannelFuture f = b.bind(address).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new IOException("pool '" + pc.name() + "': bind to '" + listen.text() + "' failed: "
                + Errors.strerror(f.cause()), f.cause());
        }
        if (listen.isUnix() && listen.permissions() >= 0) {
            Files.setPosixFilePermissions(Path.of(listen.path()), permissions(listen.permissions()));
        }
        Log.notice("pool '%s' listening on %s (%s)", pc.name(), listen.text(), pc.redis() ? "redis" : "memcache");
        return f.channel();
    }

    private void initClient(Channel ch, ServerPool pool) {
        totalConnections.incrementAndGet();
        if (pool.config().redis()) {
            ch.pipeline().addLast("decoder", new RedisRequestDecoder(settings.maxKeyLength(),
                settings.maxMultibulkLength(), settings.maxRequestBytes()));
            ch.pipeline().addLast("client", new RedisClientConnection(this, pool));
        } else {
            ch.pipeline().addLast("decoder", new MemcacheRequestDecoder(settings.maxRequestBytes()));
            ch.pipeline().addLast("client", new MemcacheClientConnection(this, pool));
        }
    }

    void connectionOpened() {
        currConnections.incrementAndGet();
    }

    void connectionClosed() {
        currConnections.decrementAndGet();
    }

    LoopState loopState(EventLoop loop) {
        return loops.get(loop);
    }

    /**
     * The backend connection {@code loop} should use for {@code server} now: the next of the
     * server's {@code server_connections} slots on that loop, opened on first use.
     */
    ServerConnection connection(Server server, LoopState loop) {
        int slot = server.nextSlot(loop.index);
        ServerConnection c = (ServerConnection) server.connection(loop.index, slot);
        if (c == null || c.isClosed()) {
            c = open(server, loop);
            server.setConnection(loop.index, slot, c);
        }
        return c;
    }

    private ServerConnection open(Server server, LoopState loop) {
        PoolConfig pc = server.pool().config();
        ServerConnection conn = new ServerConnection(server, loop);
        totalConnections.incrementAndGet();
        currConnections.incrementAndGet();
        Bootstrap b = new Bootstrap()
            .group(loop.loop)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, pc.timeout() > 0 ? pc.timeout() : 30_000)
            .handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    if (pc.redis()) {
                        ch.pipeline().addLast("decoder", new RedisReplyDecoder());
                    } else {
                        // memcached replies are framed by the request they answer.
                        ch.pipeline().addLast("decoder", MemcacheReplyDecoder.forConnection(conn));
                    }
                    ch.pipeline().addLast("server", conn);
                    ch.closeFuture().addListener(f -> currConnections.decrementAndGet());
                }
            });
        SocketAddress address = server.resolveAddress();
        if (server.spec().isUnix()) {
            b.channel(EpollDomainSocketChannel.class);
        } else {
            b.channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, pc.tcpkeepalive());
        }
        conn.attach(b.connect(address));
        return conn;
    }

    private void preconnect(ServerPool pool) {
        for (LoopState loop : loops.values()) {
            loop.loop.execute(() -> {
                for (Server s : pool.servers()) {
                    connection(s, loop);
                }
            });
        }
    }

    /** Stops accepting, waits up to {@code drainMillis} for in-flight work, then closes everything. */
    public void stop(long drainMillis) {
        for (Channel l : listeners) {
            l.close().awaitUninterruptibly();
            SocketAddress a = l.localAddress();
            if (a instanceof DomainSocketAddress) {
                try {
                    Files.deleteIfExists(Path.of(((DomainSocketAddress) a).path()));
                } catch (IOException ignored) {
                    // best effort: a stale socket file is unlinked by the next bind anyway
                }
            }
        }
        listeners.clear();
        group.shutdownGracefully(0, Math.max(drainMillis, 1), TimeUnit.MILLISECONDS).awaitUninterruptibly();
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }
}
