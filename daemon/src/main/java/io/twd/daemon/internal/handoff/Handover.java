package io.twd.daemon.internal.handoff;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.twd.daemon.internal.proxy.ClientHandoff;
import io.twd.daemon.internal.proxy.Log;
import io.twd.protocol.config.PoolConfig;
import io.twd.protocol.config.TwdConfig;
import java.io.File;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One handoff attempt, on the old process's side: start the successor, give it the listening
 * sockets it asks for by address, and once it is READY stop accepting and move the clients over.
 * Until READY nothing in this process has changed, so any failure leaves it serving as before.
 */
public final class Handover implements AutoCloseable {
    /** What the process handing over provides. */
    public interface Host {
        /** Generation, uptime origin and counters to pass on. */
        JsonObject state();

        /** Every listening socket this process has, by handoff key (pools, stats, admin). */
        Map<String, Channel> listeners();

        /**
         * Stops accepting. The listeners in {@code handedOver} (the successor has them too) are
         * kept, not accepting, in case the successor dies; the others are closed now.
         */
        void stopAccepting(Set<String> handedOver);

        /** The counters so far, sent with GO: the successor serves the stats from then on. */
        JsonObject counters();
    }

    private static final Object CLOSED = new Object();

    private final Host host;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final Path socketPath;
    private Channel server;
    private volatile Channel control;
    private volatile Channel fds;
    private Process process;
    /** The successor's HELLO said it confirms adopted connections. */
    private volatile boolean acks;
    /** Connections (CONN + fd) sent, and how many the successor said it adopted. */
    private long sentConnections;
    private long adopted;
    /** Told each time the successor confirms a connection (client connections move in turns). */
    private volatile Runnable confirmed;
    private JsonObject sentCounters;
    /** How far the successor got, for the error when it times out. */
    private volatile String step = "it was not started";

    public Handover(Host host) throws IOException {
        this.host = host;
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        this.socketPath = dir.resolve("twd-handoff-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".sock");
    }

    /**
     * Starts {@code command} as the successor and runs the handoff to READY. Returns the successor's
     * pid; this process has then stopped accepting. Throws, with the successor killed, otherwise.
     */
    public long run(List<String> command, Path candidateConfig, long timeoutMillis) throws HandoffException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        try {
            listen();
            process = spawn(command, candidateConfig);
            step = "it never connected to the handoff socket (still starting)";
            awaitBoth(deadline);
            step = "it connected but did not ask for the listening sockets (loading its config)";
            Map<String, Channel> listeners = host.listeners();
            JsonObject state = host.state();
            JsonArray offered = new JsonArray();
            listeners.keySet().forEach(offered::add);
            state.add("listeners", offered);
            HandoffWire.send(control, HandoffWire.STATE, state);
            JsonObject want = await(HandoffWire.WANT, deadline);
            step = "it asked for the listening sockets but did not get them all";
            JsonArray sent = new JsonArray();
            for (JsonElement k : want.getAsJsonArray("keys")) {
                Channel l = listeners.get(k.getAsString());
                if (l != null && l.isOpen()) {
                    // The listeners stay open until stopAccepting: their fds cannot go away meanwhile.
                    int fd = ((UnixChannel) l).fd().intValue();
                    while (!trySendFd(fd, null)) {
                        Thread.sleep(1);
                    }
                    sent.add(k.getAsString());
                }
            }
            JsonObject body = new JsonObject();
            body.add("keys", sent);
            HandoffWire.send(control, HandoffWire.LISTENERS, body).sync();
            step = "it got the listening sockets but did not say READY (binding, connecting)";
            await(HandoffWire.READY, deadline);
            Set<String> handed = new HashSet<>();
            sent.forEach(k -> handed.add(k.getAsString()));
            host.stopAccepting(handed);
            JsonObject go = new JsonObject();
            sentCounters = host.counters();
            go.add("counters", sentCounters);
            HandoffWire.send(control, HandoffWire.GO, go).sync();
            return process.pid();
        } catch (HandoffException e) {
            abort();
            throw e;
        } catch (Exception e) {
            abort();
            throw new HandoffException("handoff failed: " + e, e);
        }
    }

    /**
     * Runs {@code action} (on some thread) if the successor exits. After READY that is a failure
     * the old process must notice: it has stopped accepting, and nobody else serves.
     */
    public void onSuccessorExit(Runnable action) {
        if (process != null) {
            process.onExit().thenRun(action);
        }
    }

    public long successorPid() {
        return process != null ? process.pid() : -1;
    }

    /** How client connections move: pools that still exist with the same protocol migrate. */
    public ClientHandoff clientHandoff(TwdConfig runningConfig, TwdConfig successorConfig) {
        return new ClientHandoff() {
            @Override
            public boolean migrates(String pool) {
                PoolConfig before = runningConfig.pool(pool).orElse(null);
                PoolConfig after = successorConfig.pool(pool).orElse(null);
                return before != null && after != null && before.redis() == after.redis() && canMigrate();
            }

            @Override
            public String whyNot(String pool) {
                PoolConfig before = runningConfig.pool(pool).orElse(null);
                PoolConfig after = successorConfig.pool(pool).orElse(null);
                if (after == null) {
                    return "pool_removed";
                }
                if (before != null && before.redis() != after.redis()) {
                    return "protocol_changed";
                }
                return canMigrate() ? "not_migrated" : "handoff_closed";
            }

            @Override
            public boolean successorAlive() {
                return fds != null && fds.isActive() && process != null && process.isAlive();
            }

            @Override
            public boolean confirmsEachMove() {
                return acks;
            }

            @Override
            public long unconfirmed() {
                return Handover.this.unconfirmed();
            }

            @Override
            public void onConfirmed(Runnable action) {
                confirmed = action;
            }

            @Override
            public Future<?> migrate(Channel channel, String pool, JsonObject state, byte[] unread) {
                JsonObject body = new JsonObject();
                body.addProperty("kind", "client");
                body.addProperty("pool", pool);
                body.add("state", state);
                return sendConnection(channel, body, unread);
            }
        };
    }

    /** Moves an admin connection (with the bytes it read but did not answer) to the successor. */
    public Future<?> migrateAdmin(Channel channel, byte[] unread) {
        JsonObject body = new JsonObject();
        body.addProperty("kind", "admin");
        return sendConnection(channel, body, unread);
    }

    /** Whether connections can still move (the fd connection to the successor is up). */
    public boolean canMigrate() {
        Channel f = fds;
        return f != null && f.isActive();
    }

    private Future<?> sendConnection(Channel channel, JsonObject body, byte[] unread) {
        body.addProperty("unread", Base64.getEncoder().encodeToString(unread));
        Promise<Void> done = channel.eventLoop().newPromise();
        sendConnection(channel, body, done);
        return done;
    }

    /**
     * On the connection's own event loop, so the fd cannot be closed (and its number reused by
     * another socket) while it is being sent: a client that hangs up meanwhile is closed by that
     * same loop. When the fd connection's buffer is full (the successor has not read the earlier
     * fds yet, as when hundreds of connections move at once), try again a millisecond later.
     */
    private void sendConnection(Channel channel, JsonObject body, Promise<Void> done) {
        if (!channel.isOpen()) {
            done.tryFailure(new ClosedChannelException());
            return;
        }
        try {
            if (trySendFd(((UnixChannel) channel).fd().intValue(), body)) {
                done.trySuccess(null);
            } else {
                channel.eventLoop().schedule(() -> sendConnection(channel, body, done), 1, TimeUnit.MILLISECONDS);
            }
        } catch (IOException | RuntimeException e) {
            done.tryFailure(e);
        }
    }

    /**
     * Sends {@code fd} on the fd connection and then, if {@code conn} is given, its {@code CONN}
     * line on the control connection, both under one lock: lines and fds reach the successor in
     * the same order, which is how it pairs them. Returns false when the socket buffer is full
     * (EAGAIN; nothing was sent). Netty's own write of a {@code FileDescriptor} cannot be used: on
     * EAGAIN it fails the write with an Error instead of waiting.
     */
    private synchronized boolean trySendFd(int fd, JsonObject conn) throws IOException {
        Channel f = fds;
        if (f == null || !f.isActive()) {
            throw new IOException("the fd connection to the successor is closed");
        }
        if (((Socket) ((UnixChannel) f).fd()).sendFd(fd) <= 0) {
            return false;
        }
        if (conn != null) {
            HandoffWire.send(control, HandoffWire.CONN, conn);
            sentConnections++;
        }
        return true;
    }

    /** Whether the successor says ADOPTED after each connection (this build and later do). */
    public boolean confirmsAdoption() {
        return acks;
    }

    private void confirmedUpTo(long n) {
        synchronized (this) {
            adopted = Math.max(adopted, n);
        }
        Runnable r = confirmed;
        if (r != null) {
            r.run();
        }
    }

    /** Connections sent that the successor has not confirmed yet. */
    synchronized long unconfirmed() {
        return sentConnections - adopted;
    }

    /** Every connection sent so far has been adopted by the successor. */
    public synchronized boolean allAdopted() {
        return adopted >= sentConnections;
    }

    /** The counters sent with GO; what BYE sends is counted from them. */
    public JsonObject sentCounters() {
        return sentCounters;
    }

    /** Drain done: hands over what the counters grew by since GO; the successor adds it to its own. */
    public void bye(JsonObject counters) {
        Channel c = control;
        if (c != null && c.isActive()) {
            HandoffWire.send(c, HandoffWire.BYE, counters).awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    private void listen() throws IOException, InterruptedException {
        Files.deleteIfExists(socketPath);
        ChannelFuture f = new ServerBootstrap()
            .group(group)
            .channel(EpollServerDomainSocketChannel.class)
            .childHandler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    HandoffWire.addLineCodec(ch.pipeline());
                    ch.pipeline().addLast(new SimpleChannelInboundHandler<String>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, String line) {
                            HandoffWire.Message m = HandoffWire.Message.parse(line);
                            if (m.verb().equals(HandoffWire.HELLO)) {
                                control = ctx.channel();
                                acks = m.body().has("acks") && m.body().get("acks").getAsBoolean();
                            } else if (m.verb().equals(HandoffWire.FDS)) {
                                fds = ctx.channel();
                            } else if (m.verb().equals(HandoffWire.ADOPTED)) {
                                confirmedUpTo(m.body().get("n").getAsLong());
                                return;
                            }
                            inbox.add(m);
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            if (ctx.channel() == control) {
                                inbox.add(CLOSED);
                            }
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            ctx.close();
                        }
                    });
                }
            })
            .bind(new DomainSocketAddress(socketPath.toString())).sync();
        server = f.channel();
        Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
    }

    private Process spawn(List<String> command, Path candidateConfig) throws IOException {
        List<String> cmd = new ArrayList<>();
        // A new session: the successor must outlive us and not share our terminal's signals.
        if (new File("/usr/bin/setsid").canExecute()) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.INHERIT)
            .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put(HandoffWire.SOCKET_ENV, socketPath.toString());
        pb.environment().remove(HandoffWire.CONFIG_ENV);
        pb.environment().remove("TWD_NOTIFY_READY");
        if (candidateConfig != null) {
            pb.environment().put(HandoffWire.CONFIG_ENV, candidateConfig.toString());
        }
        Process p = pb.start();
        Log.notice("handoff: started successor pid %d", p.pid());
        return p;
    }

    private void awaitBoth(long deadline) throws HandoffException, InterruptedException {
        boolean hello = false;
        boolean fdsSeen = false;
        while (!hello || !fdsSeen) {
            HandoffWire.Message m = next(deadline);
            hello |= m.verb().equals(HandoffWire.HELLO);
            fdsSeen |= m.verb().equals(HandoffWire.FDS);
        }
    }

    private JsonObject await(String verb, long deadline) throws HandoffException, InterruptedException {
        HandoffWire.Message m = next(deadline);
        if (!m.verb().equals(verb)) {
            throw new HandoffException("handoff: expected " + verb + " from the successor, got " + m.verb());
        }
        return m.body();
    }

    private HandoffWire.Message next(long deadline) throws HandoffException, InterruptedException {
        while (true) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new HandoffException("the new process" + (process != null ? " (pid " + process.pid() + ")" : "")
                    + " was not ready within the handoff timeout; " + step);
            }
            Object o = inbox.poll(Math.min(left, 100), TimeUnit.MILLISECONDS);
            if (o instanceof HandoffWire.Message) {
                HandoffWire.Message m = (HandoffWire.Message) o;
                if (m.verb().equals(HandoffWire.FAIL)) {
                    throw new HandoffException(m.body().get("reason").getAsString());
                }
                return m;
            }
            if (o == CLOSED || (o == null && process != null && !process.isAlive())) {
                if (process != null) {
                    process.waitFor(1, TimeUnit.SECONDS); // its exit status, if it is exiting
                }
                Integer status = process != null && !process.isAlive() ? process.exitValue() : null;
                throw new HandoffException("the new process exited before it was ready"
                    + (status != null ? " (exit status " + status + ")" : ""));
            }
        }
    }

    private void abort() {
        if (process != null && process.isAlive()) {
            // By pid, never by name: the successor we started, and only it.
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        close();
    }

    /** Removes the handoff socket's file (at exit, when {@link #close} may not have run). */
    public void removeSocketFile() {
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException ignored) {
            // nothing more to do at exit
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly();
        }
        Channel c = control;
        if (c != null) {
            c.close().awaitUninterruptibly();
        }
        Channel f = fds;
        if (f != null) {
            f.close().awaitUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException ignored) {
            // the next handoff uses a new name anyway
        }
    }
}
