package io.twd.daemon.internal.handoff;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.CharsetUtil;
import io.twd.daemon.internal.proxy.Engine;
import io.twd.daemon.internal.proxy.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The new process's side of a handoff: it connects to the predecessor named in
 * {@code TWD_HANDOFF}, asks for the listening sockets it can reuse, says READY once it serves,
 * and then adopts the client connections the predecessor moves over.
 */
public final class Successor implements AutoCloseable {
    private static final Object CLOSED = new Object();
    private static final long STEP_TIMEOUT_MS = 60_000;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final BlockingQueue<FileDescriptor> received = new LinkedBlockingQueue<>();
    private Channel control;
    private Channel fds;
    /** Opened by {@link #startReceiving} (GO came), or by {@link #close} (it never will). */
    private final CountDownLatch go = new CountDownLatch(1);
    private volatile boolean receiving;

    private Successor() {
    }

    /** The successor for this process, or null when it was not started by a handoff. */
    public static Successor fromEnvironment() throws HandoffException {
        String path = System.getenv(HandoffWire.SOCKET_ENV);
        if (path == null || path.isEmpty()) {
            return null;
        }
        Successor s = new Successor();
        try {
            s.connect(path);
        } catch (Exception e) {
            s.close();
            throw new HandoffException("cannot reach the old process at " + path + ": " + e.getMessage(), e);
        }
        return s;
    }

    /** The config file the predecessor wants this process to load, or null for -c. */
    public static Path candidateConfig() {
        String path = System.getenv(HandoffWire.CONFIG_ENV);
        return path == null || path.isEmpty() ? null : Path.of(path);
    }

    private void connect(String path) throws InterruptedException {
        control = new Bootstrap().group(group).channel(EpollDomainSocketChannel.class)
            .handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    HandoffWire.addLineCodec(ch.pipeline());
                    ch.pipeline().addLast(new SimpleChannelInboundHandler<String>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, String line) {
                            inbox.add(HandoffWire.Message.parse(line));
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            inbox.add(CLOSED);
                        }
                    });
                }
            })
            .connect(new DomainSocketAddress(path)).sync().channel();
        fds = new Bootstrap().group(group).channel(EpollDomainSocketChannel.class)
            .handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    // This connection carries only fds: reading bytes here would drop them.
                    ((EpollDomainSocketChannel) ch).config().setReadMode(DomainSocketReadMode.FILE_DESCRIPTORS);
                    ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            received.add((FileDescriptor) msg);
                        }
                    });
                }
            })
            .connect(new DomainSocketAddress(path)).sync().channel();
        // Both connections are up and nobody else may connect: the socket's file has served its
        // purpose. Unlinked here, it cannot be left behind in the temp directory when the old
        // process dies without cleaning up (SIGKILL while it drains).
        try {
            Files.deleteIfExists(Path.of(path));
        } catch (IOException e) {
            Log.warn("handoff: cannot remove %s: %s", path, e.getMessage());
        }
        JsonObject me = new JsonObject();
        me.addProperty("pid", ProcessHandle.current().pid());
        JsonObject hello = me.deepCopy();
        hello.addProperty("acks", true); // this build says ADOPTED after each connection
        HandoffWire.send(control, HandoffWire.HELLO, hello).sync();
        fds.writeAndFlush(Unpooled.copiedBuffer(HandoffWire.FDS + " " + me + "\n", CharsetUtil.UTF_8)).sync();
    }

    /** The predecessor's state: generation, uptime origin, the listener keys it can give. */
    public JsonObject state() throws HandoffException {
        return await(HandoffWire.STATE);
    }

    /** Asks for listeners by key; returns those received, key to fd, in this process now. */
    public Map<String, Integer> takeListeners(Collection<String> keys) throws HandoffException {
        JsonObject want = new JsonObject();
        JsonArray arr = new JsonArray();
        keys.forEach(arr::add);
        want.add("keys", arr);
        HandoffWire.send(control, HandoffWire.WANT, want);
        JsonObject sent = await(HandoffWire.LISTENERS);
        Map<String, Integer> out = new LinkedHashMap<>();
        for (var k : sent.getAsJsonArray("keys")) {
            out.put(k.getAsString(), takeFd().intValue());
        }
        return out;
    }

    /** Tells the predecessor why this process cannot take over; it goes on serving. */
    public void fail(String reason) {
        JsonObject body = new JsonObject();
        body.addProperty("reason", reason);
        if (control != null && control.isActive()) {
            HandoffWire.send(control, HandoffWire.FAIL, body).awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    /**
     * Ready to serve: tell the predecessor, and wait until it has stopped accepting. Returns its
     * counters at that moment (to add to ours before serving the stats port), or null.
     */
    public JsonObject ready() throws HandoffException {
        JsonObject me = new JsonObject();
        me.addProperty("pid", ProcessHandle.current().pid());
        HandoffWire.send(control, HandoffWire.READY, me);
        JsonObject go = await(HandoffWire.GO);
        return go.has("counters") ? go.getAsJsonObject("counters") : null;
    }

    /**
     * Adopts the predecessor's client (and admin) connections as they arrive, on a thread of its own, until
     * it says BYE (with its final counters, given to {@code onBye}) or goes away. The thread is
     * made here, before READY, and starts taking connections at {@link #startReceiving}: made
     * after GO it kept the first connections to move waiting (a thread and its lambdas are made
     * in a few milliseconds in a warm JVM, in up to 20 in a new one).
     */
    public void receiveClients(Engine engine, BiConsumer<Integer, byte[]> adoptAdmin, Consumer<JsonObject> onBye) {
        Thread t = new Thread(() -> {
            Base64.Decoder base64 = Base64.getDecoder();
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            if (!receiving) {
                return; // closed before GO: nothing was moved, and there is no BYE to report
            }
            JsonObject counters = null;
            long adopted = 0;
            try {
                while (true) {
                    Object o = inbox.take();
                    if (o == CLOSED) {
                        break;
                    }
                    HandoffWire.Message m = (HandoffWire.Message) o;
                    if (m.verb().equals(HandoffWire.BYE)) {
                        counters = m.body();
                        break;
                    }
                    if (m.verb().equals(HandoffWire.CONN)) {
                        int fd = takeFd().intValue();
                        JsonObject b = m.body();
                        byte[] unread = base64.decode(b.get("unread").getAsString());
                        if (b.has("kind") && b.get("kind").getAsString().equals("admin")) {
                            adoptAdmin.accept(fd, unread);
                        } else {
                            engine.adoptClient(b.get("pool").getAsString(), fd, b.getAsJsonObject("state"), unread);
                            Faults.at("during-migration");
                        }
                        JsonObject ack = new JsonObject();
                        ack.addProperty("n", ++adopted);
                        HandoffWire.send(control, HandoffWire.ADOPTED, ack);
                    }
                }
            } catch (InterruptedException | HandoffException e) {
                Log.warn("handoff: receiving clients stopped: %s", e.getMessage());
            } finally {
                close();
                onBye.accept(counters);
            }
        }, "twd-handoff-receiver");
        t.setDaemon(true);
        t.start();
    }

    /** GO came and the counters are in: adopt the connections the predecessor moves from now on. */
    public void startReceiving() {
        receiving = true;
        go.countDown();
    }

    private FileDescriptor takeFd() throws HandoffException {
        try {
            FileDescriptor fd = received.poll(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (fd == null) {
                throw new HandoffException("handoff: a file descriptor did not arrive");
            }
            return fd;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HandoffException("interrupted", e);
        }
    }

    private JsonObject await(String verb) throws HandoffException {
        try {
            Object o = inbox.poll(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (o == null) {
                throw new HandoffException("handoff: no " + verb + " from the old process");
            }
            if (o == CLOSED) {
                throw new HandoffException("handoff: the old process went away before " + verb);
            }
            HandoffWire.Message m = (HandoffWire.Message) o;
            if (!m.verb().equals(verb)) {
                throw new HandoffException("handoff: expected " + verb + ", got " + m.verb());
            }
            return m.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HandoffException("interrupted", e);
        }
    }

    @Override
    public void close() {
        go.countDown();
        if (control != null) {
            control.close();
        }
        if (fds != null) {
            fds.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
