package io.twd.daemon.internal.proxy;

import com.google.gson.JsonObject;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
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
import io.netty.util.concurrent.ScheduledFuture;
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
    /** For pools without {@code timeout}: twemproxy leaves such a connect to the kernel (minutes). */
    private static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 30_000;

    private final TwdConfig config;
    private final EngineSettings settings;
    private final EventLoopGroup group;
    /** Backend host names are looked up on its threads, never on an event loop. */
    private final BackendResolver resolver = new BackendResolver();
    private final Map<EventLoop, LoopState> loops = new IdentityHashMap<>();
    private final ServerPool[] pools;
    private final Map<String, Channel> listeners = new java.util.LinkedHashMap<>();
    /** Listeners handed over but kept, not accepting, until the drain ends (see {@link #parkListeners}). */
    private final Map<String, Channel> parked = new java.util.LinkedHashMap<>();
    private final AtomicLong totalConnections = new AtomicLong();
    private final AtomicLong currConnections = new AtomicLong();
    private volatile long startMillis = System.currentTimeMillis();
    /** How client connections left during a handoff or stop: moved, or closed and why. */
    private final Map<String, AtomicLong> departures = new java.util.concurrent.ConcurrentSkipListMap<>();
    /** Client connections a predecessor moved here. */
    private final AtomicLong adopted = new AtomicLong();
    /** The turns of a handoff under way, for the drain deadline. */
    private volatile MoveWindow<ClientConnection> moveWindow;
    /** hurryClients was called (SIGTERM while draining), maybe before the window existed. */
    private volatile boolean hurryAsked;

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

    public EngineSettings settings() {
        return settings;
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

    /** Uptime counts from the first process of a chain of reloads, as twemproxy's #321 kept it. */
    public void inheritStartMillis(long millis) {
        startMillis = millis;
    }

    public void inheritTotalConnections(long n) {
        totalConnections.addAndGet(n);
    }

    /**
     * Initialises, before serving, what the first requests would (see {@link ColdStart}).
     * A failure is an IllegalStateException: the handoff fails at once, the old process serves on.
     */
    public void prepareToServe() {
        ColdStart.prepare(pools);
    }

    /** Runs {@code task} on the loop that owns the first slot of every counter array. */
    public void runOnFirstLoop(Runnable task) {
        for (LoopState l : loops.values()) {
            if (l.index == 0) {
                l.loop.execute(task);
            }
        }
    }

    /** A client connection left: {@code moved} to the successor, or closed for the reason given. */
    void departed(String why) {
        departures.computeIfAbsent(why, k -> new AtomicLong()).incrementAndGet();
    }

    /** {@code {"moved": N, "closed": {"reason": N, ...}}} for the connections that left so far. */
    public JsonObject departures() {
        JsonObject out = new JsonObject();
        JsonObject closed = new JsonObject();
        long moved = 0;
        for (Map.Entry<String, AtomicLong> e : departures.entrySet()) {
            if (e.getKey().equals("moved")) {
                moved = e.getValue().get();
            } else {
                closed.addProperty(e.getKey(), e.getValue().get());
            }
        }
        out.addProperty("moved", moved);
        out.add("closed", closed);
        return out;
    }

    /** Client connections adopted from a predecessor so far. */
    public long adoptedClients() {
        return adopted.get();
    }

    /** Waits until every event loop has run what was queued on it before this call. */
    public void awaitLoops() {
        for (LoopState l : loops.values()) {
            l.loop.submit(() -> { }).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    public long totalConnections() {
        return totalConnections.get();
    }

    public long currConnections() {
        return currConnections.get();
    }

    /** The handoff key of a listen address: successors reuse a listener when the keys match. */
    public static String listenerKey(ListenAddress listen) {
        return listen.isUnix() ? "unix:" + listen.path() : "tcp:" + listen.host() + ":" + listen.port();
    }

    /** Binds every pool's listener; on any failure nothing stays bound and the reason is thrown. */
    public void start() throws IOException {
        bindListeners(Set.of());
        adoptListeners(Map.of());
    }

    /**
     * First phase of start: binds the listeners that are not {@code inherited} from a predecessor
     * and opens {@code preconnect} connections. On failure nothing stays bound.
     */
    public void bindListeners(Set<String> inherited) throws IOException {
        try {
            for (ServerPool pool : pools) {
                String key = listenerKey(pool.config().listen());
                if (!inherited.contains(key)) {
                    listeners.put(key, bind(pool));
                }
            }
        } catch (IOException | RuntimeException e) {
            closeListeners(false);
            throw e;
        }
        for (ServerPool pool : pools) {
            if (pool.config().preconnect()) {
                preconnect(pool);
            }
        }
    }

    /**
     * Second phase: starts accepting on listening sockets a predecessor handed over (key to fd).
     * The sockets and their accept queues were never closed, so no connection is refused.
     */
    public void adoptListeners(Map<String, Integer> fds) {
        for (ServerPool pool : pools) {
            String key = listenerKey(pool.config().listen());
            Integer fd = fds.get(key);
            if (fd != null) {
                ServerBootstrap b = serverBootstrap(pool);
                Channel ch = pool.config().listen().isUnix()
                    ? new EpollServerDomainSocketChannel(fd, true) : new EpollServerSocketChannel(fd);
                b.channelFactory(() -> (io.netty.channel.ServerChannel) ch).register().syncUninterruptibly();
                listeners.put(key, ch);
                Log.notice("pool '%s' listening on %s (inherited)", pool.name(), pool.config().listen().text());
            }
        }
    }

    /** The listening channels by handoff key, for handing their fds to a successor. */
    public Map<String, Channel> listeners() {
        return listeners;
    }

    /**
     * Closes this process's copy of a listening socket a successor now serves. Netty's close of a
     * unix server channel it bound unlinks the socket file, which would make the successor
     * unreachable; so such a channel is taken off its event loop and only its fd is closed.
     */
    public static void release(Channel listener) {
        if (listener instanceof EpollServerDomainSocketChannel) {
            listener.deregister().awaitUninterruptibly();
            try {
                ((EpollServerDomainSocketChannel) listener).fd().close();
            } catch (IOException e) {
                Log.warn("closing handed-over listener %s: %s", listener, e.getMessage());
            }
        } else {
            listener.close().awaitUninterruptibly();
        }
    }

    /**
     * Handoff: stops accepting, but keeps the listening sockets the successor took over
     * (deregistered from the event loops) instead of closing them, so that if the successor dies before this process has
     * finished draining, {@link #unparkListeners} can take them back: the sockets and their accept
     * queues never went away. The successor accepts on the same sockets meanwhile.
     */
    public void parkListeners(Set<String> handedOver) {
        for (Map.Entry<String, Channel> e : listeners.entrySet()) {
            if (handedOver.contains(e.getKey())) {
                park(e.getValue());
                parked.put(e.getKey(), e.getValue());
            } else {
                // Nobody serves this address any more (pool del, listen moved): refuse from now on.
                e.getValue().close().awaitUninterruptibly();
            }
        }
        listeners.clear();
    }

    /**
     * The successor died: accept on the parked listeners again, and bind anew those closed at the
     * handoff (addresses the successor did not take).
     */
    public void unparkListeners() {
        for (Map.Entry<String, Channel> e : parked.entrySet()) {
            unpark(e.getValue(), group);
            listeners.put(e.getKey(), e.getValue());
        }
        parked.clear();
        for (ServerPool pool : pools) {
            String key = listenerKey(pool.config().listen());
            if (!listeners.containsKey(key)) {
                try {
                    listeners.put(key, bind(pool));
                } catch (IOException | RuntimeException e) {
                    Log.error("pool '%s' cannot listen again: %s", pool.name(), e.getMessage());
                }
            }
        }
    }

    /** Stops accepting on {@code listener}; its socket stays open. */
    public static void park(Channel listener) {
        listener.deregister().awaitUninterruptibly();
    }

    /** Accepts on a parked listener again. */
    public static void unpark(Channel listener, EventLoopGroup group) {
        group.next().register(listener).awaitUninterruptibly();
    }

    /**
     * Closes a parked listener's socket without touching its file: Netty's close of a unix server
     * channel would unlink the socket file, which the successor serves.
     */
    public static void closeParked(Channel listener) {
        try {
            ((io.netty.channel.unix.UnixChannel) listener).fd().close();
        } catch (IOException e) {
            Log.warn("closing handed-over listener %s: %s", listener, e.getMessage());
        }
    }

    /** Stops accepting. With {@code handedOver}, unix socket files stay: the successor serves them. */
    public void closeListeners(boolean handedOver) {
        for (Channel l : parked.values()) {
            closeParked(l);
        }
        parked.clear();
        for (Channel l : listeners.values()) {
            SocketAddress a = l.localAddress();
            if (handedOver) {
                release(l);
                continue;
            }
            l.close().awaitUninterruptibly();
            if (!handedOver && a instanceof DomainSocketAddress) {
                try {
                    Files.deleteIfExists(Path.of(((DomainSocketAddress) a).path()));
                } catch (IOException ignored) {
                    // best effort: a stale socket file is unlinked by the next bind anyway
                }
            }
        }
        listeners.clear();
    }

    /**
     * Handoff: every client connection stops reading and, at its next request boundary, moves to
     * the successor ({@code handoff}) or, when its pool does not move, closes after its replies.
     * Connections that move take turns, a few at a time ({@link MoveWindow}), when the successor
     * confirms each one; those whose pool does not move (and all of them with {@code handoff}
     * null: stopping) stop reading at once.
     */
    public void handOffClients(ClientHandoff handoff) {
        MoveWindow<ClientConnection> window = handoff != null && handoff.confirmsEachMove()
            ? new MoveWindow<>(handoff, (c, w) -> c.takeTurn(handoff, w)) : null;
        if (window != null) {
            moveWindow = window;
            handoff.onConfirmed(window::confirmed);
            if (hurryAsked) {
                window.hurry(null); // SIGTERM came first: no turns
            }
        }
        for (LoopState loop : loops.values()) {
            loop.loop.execute(() -> {
                for (ClientConnection c : new ArrayList<>(loop.clients)) {
                    if (window != null && handoff.migrates(c.pool.name())) {
                        window.add(c);
                    } else {
                        c.leaveAtBoundary(handoff);
                    }
                }
                if (window != null) {
                    window.pump();
                }
            });
        }
    }

    /** While a handoff drains, every few ms: see {@link MoveWindow#checkProgress}. */
    public void checkMoves() {
        MoveWindow<ClientConnection> w = moveWindow;
        if (w != null) {
            w.checkProgress(System.nanoTime());
        }
    }

    /**
     * The drain deadline, or SIGTERM while draining: client connections still waiting for their
     * turn to move all start to move now. Returns how many there were.
     */
    public int hurryClients() {
        hurryAsked = true;
        MoveWindow<ClientConnection> w = moveWindow;
        return w == null ? 0 : w.hurry(null);
    }

    /**
     * The successor died during the handoff: every client still here stays, and reads again
     * (those already moved went with the successor).
     */
    public void rejoinClients() {
        MoveWindow<ClientConnection> w = moveWindow;
        moveWindow = null;
        hurryAsked = false;
        if (w != null) {
            w.stop();
        }
        for (LoopState loop : loops.values()) {
            loop.loop.execute(() -> {
                for (ClientConnection c : new ArrayList<>(loop.clients)) {
                    c.rejoin();
                }
            });
        }
    }

    /** Drain deadline: every client still here is closed once what is already written is flushed. */
    public void closeAllClients() {
        for (LoopState loop : loops.values()) {
            loop.loop.execute(() -> {
                for (ClientConnection c : new ArrayList<>(loop.clients)) {
                    c.closeAfterFlush();
                }
            });
        }
    }

    /** Client connections open now, across pools and loops. */
    public int clientCount() {
        int n = 0;
        for (ServerPool p : pools) {
            n += p.clients().get();
        }
        return n;
    }

    /**
     * Takes over a client connection a predecessor handed over: the socket, the bytes it had read
     * but not parsed (fed in before anything else is read), and its protocol state.
     */
    public void adoptClient(String poolName, int fd, JsonObject state, byte[] unread) {
        ServerPool pool = pool(poolName);
        Channel ch;
        if (pool == null) {
            closeFd(fd);
            return;
        }
        if (pool.config().listen().isUnix()) {
            ch = new EpollDomainSocketChannel(fd);
        } else {
            ch = new EpollSocketChannel(fd);
            ch.config().setOption(ChannelOption.TCP_NODELAY, true);
            ch.config().setOption(ChannelOption.SO_KEEPALIVE, pool.config().tcpkeepalive());
        }
        ch.config().setAutoRead(false);
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        adopted.incrementAndGet();
        addClientHandlers(ch, pool, state);
        group.next().register(ch).addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
                return;
            }
            // Registration completes before channelActive runs: go on once it has, so the
            // handler knows its channel when the unread bytes (maybe whole requests) arrive.
            ch.eventLoop().execute(() -> {
                if (!ch.isActive()) {
                    return;
                }
                if (unread.length > 0) {
                    ch.pipeline().fireChannelRead(Unpooled.wrappedBuffer(unread));
                    ch.pipeline().fireChannelReadComplete();
                }
                // Not if the unread bytes already hold --client-max-pending requests.
                ClientConnection client = ch.pipeline().get(ClientConnection.class);
                if (client != null) {
                    client.startReading();
                }
            });
        });
    }

    public ServerPool pool(String name) {
        for (ServerPool p : pools) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    private static void closeFd(int fd) {
        try {
            new io.netty.channel.unix.FileDescriptor(fd).close();
        } catch (IOException ignored) {
            // nothing more to do with a socket nobody wants
        }
    }

    private ServerBootstrap serverBootstrap(ServerPool pool) {
        PoolConfig pc = pool.config();
        ServerBootstrap b = new ServerBootstrap()
            .group(group)
            .option(ChannelOption.SO_BACKLOG, pc.backlog())
            // A client that half-closes still gets its replies (ClientConnection), as from nutcracker.
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    totalConnections.incrementAndGet();
                    addClientHandlers(ch, pool, null);
                }
            });
        if (!pc.listen().isUnix()) {
            b.childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, pc.tcpkeepalive());
        }
        return b;
    }

    private Channel bind(ServerPool pool) throws IOException {
        PoolConfig pc = pool.config();
        ListenAddress listen = pc.listen();
        ServerBootstrap b = serverBootstrap(pool);
        SocketAddress address;
        if (listen.isUnix()) {
            // As nutcracker: an existing socket file is unlinked before bind.
            Files.deleteIfExists(Path.of(listen.path()));
            b.channel(EpollServerDomainSocketChannel.class);
            address = new DomainSocketAddress(listen.path());
        } else {
            b.channel(EpollServerSocketChannel.class).option(ChannelOption.SO_REUSEADDR, true);
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

    private void addClientHandlers(Channel ch, ServerPool pool, JsonObject state) {
        if (pool.config().redis()) {
            RedisClientConnection client = new RedisClientConnection(this, pool, state);
            ch.pipeline().addLast("decoder", new RedisRequestDecoder(settings.maxKeyLength(),
                settings.maxMultibulkLength(), settings.maxRequestBytes(), client));
            ch.pipeline().addLast("client", client);
        } else {
            MemcacheClientConnection client = new MemcacheClientConnection(this, pool);
            ch.pipeline().addLast("decoder", new MemcacheRequestDecoder(settings.maxRequestBytes(), client));
            ch.pipeline().addLast("client", client);
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
            .resolver(resolver)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, pc.timeout() > 0 ? pc.timeout() : DEFAULT_CONNECT_TIMEOUT_MILLIS)
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
        SocketAddress address = server.address();
        if (server.spec().isUnix()) {
            b.channel(EpollDomainSocketChannel.class);
        } else {
            b.channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, pc.tcpkeepalive());
        }
        ChannelFuture connect = b.connect(address);
        conn.attach(connect);
        if (address instanceof InetSocketAddress && ((InetSocketAddress) address).isUnresolved()) {
            limitLookup(connect, pc.timeout() > 0 ? pc.timeout() : DEFAULT_CONNECT_TIMEOUT_MILLIS, loop);
        }
        return conn;
    }

    /**
     * Netty's connect timeout starts when the TCP connect does, after the name is looked up; the
     * requests queued on the connection meanwhile have no timer yet. So the pool's timeout (or
     * the default connect timeout) bounds the lookup and the connect together: past it the
     * connect fails as a timed-out connect does, and the queued requests with it.
     */
    private static void limitLookup(ChannelFuture connect, int millis, LoopState loop) {
        if (connect.isDone() || !(connect instanceof ChannelPromise)) {
            return;
        }
        ScheduledFuture<?> deadline = loop.loop.schedule(() -> {
            ((ChannelPromise) connect).tryFailure(
                new ConnectTimeoutException("connect timed out (name lookup included): " + millis + " ms"));
        }, millis, TimeUnit.MILLISECONDS);
        connect.addListener(f -> deadline.cancel(false));
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

    /** Stops accepting (unless already stopped) and closes every connection and event loop. */
    public void stop(boolean handedOver) {
        closeListeners(handedOver);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        resolver.close();
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
