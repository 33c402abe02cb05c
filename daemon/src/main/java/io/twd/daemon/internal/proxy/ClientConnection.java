package io.twd.daemon.internal.proxy;

import com.google.gson.JsonObject;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.twd.daemon.internal.pool.Server;
import io.twd.daemon.internal.pool.ServerPool;
import io.twd.daemon.internal.stats.PoolCounters;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * A client connection: requests are queued in arrival order and their replies written in that
 * order, whatever order the backends answer in. The protocol subclasses decide what each decoded
 * message means; this class owns ordering, forwarding, flushing and teardown.
 *
 * <p>Everything runs on the client's event loop, and the client's backend connections live on the
 * same loop, so no state here is shared between threads.
 *
 * <p>Memory a client can make twd hold is bounded two ways (twd(8), "LIMITS"). At
 * {@code --client-max-pending} outstanding requests the decoder stops framing and the connection
 * stops reading until half of them are answered: backpressure, which a pipelining client only
 * notices as a pause, since requests complete whether or not it reads its replies. And replies it
 * leaves unread pile up in the socket's outbound buffer only up to {@code --client-output-limit},
 * past which it is closed (as redis' client-output-buffer-limit does). twd does not stop reading a
 * client just because it is slow to read: a client that writes a long pipeline before reading any
 * reply (redis-py, Jedis pipelines) would then never finish writing, and both sides would wait.
 */
public abstract class ClientConnection extends ChannelInboundHandlerAdapter implements RequestGate {
    protected final Engine engine;
    protected final ServerPool pool;
    private final int maxPending;
    private final long outputLimit;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private final WriteBatch out = new WriteBatch();
    protected Channel channel;
    private LoopState loop;
    private PoolCounters stats;
    /** Set when the channel is gone: late backend replies are then just released. */
    boolean closed;
    /** After QUIT or a protocol error: no more requests are read, pending replies still go out. */
    private boolean closing;
    private boolean counted;
    boolean dirty;
    /** Set while this connection waits for a request boundary to move to the successor. */
    private ClientHandoff handoff;
    /** Set while this connection's turn to move lasts (see {@link MoveWindow}). */
    private MoveWindow<ClientConnection> turn;
    /** Set when reading stopped for good: the connection closes once its queue is empty. */
    private boolean closeWhenIdle;
    private boolean migrated;
    /** Reading stopped at the pending-requests limit; resumes when the queue is down to half. */
    private boolean paused;
    /** Requests the decoder held while paused are being framed (a task is on its way). */
    private boolean resumePending;
    /** The client half-closed: it sends nothing more; close once every reply is out. */
    private boolean inputShutdown;
    private boolean closingAtEof;
    /** Why this connection closes instead of moving, for the handoff's report. */
    private String departure;

    protected ClientConnection(Engine engine, ServerPool pool) {
        this.engine = engine;
        this.pool = pool;
        EngineSettings settings = engine.settings();
        this.maxPending = settings.maxPendingRequests();
        this.outputLimit = settings.clientOutputLimit();
    }

    /** The protocol's error line for a failure text, e.g. {@code -ERR Connection refused}. */
    protected abstract ByteBuf errorReply(String reason);

    /** Combines the replies of a parent's fragments (all successful) into the client's reply. */
    protected abstract ByteBuf mergeFragments(Request parent);

    /** Handles one decoded message from the client's request decoder. */
    protected abstract void onMessage(Object msg);

    /** Per-connection protocol state a successor needs (e.g. redis AUTH done); empty by default. */
    protected JsonObject exportState() {
        return new JsonObject();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        loop = engine.loopState(channel.eventLoop());
        stats = pool.counters(loop.index);
        loop.clients.add(this);
        engine.connectionOpened();
        int limit = pool.config().clientConnections();
        int now = pool.clients().incrementAndGet();
        counted = true;
        stats.clientConnections++;
        if (limit > 0 && now > limit) {
            // twemproxy ignores client_connections; twd enforces it, answering like redis does.
            closing = true;
            ctx.writeAndFlush(errorReply("max number of clients reached"))
                .addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        onMessage(msg);
    }

    /**
     * The decoder asks before each request. No while the connection is leaving or closing, or
     * while {@code --client-max-pending} requests are outstanding; reading stops then too, so the
     * bytes not yet framed stay bounded by one read.
     */
    @Override
    public boolean acceptsRequests() {
        if (closed || closing || handoff != null || closeWhenIdle) {
            channel.config().setAutoRead(false);
            return false;
        }
        if (queue.size() >= maxPending) {
            paused = true;
            channel.config().setAutoRead(false);
            return false;
        }
        return true;
    }

    /** Starts reading (a migrated connection, once its unread bytes are in), unless it should not. */
    void startReading() {
        if (!closed && !closing && handoff == null && !closeWhenIdle && !inputShutdown && queue.size() < maxPending) {
            channel.config().setAutoRead(true);
        }
    }

    /** Half the pending requests are answered: read again, starting with what is already buffered. */
    private void resume() {
        paused = false;
        if (closed || closing || handoff != null || closeWhenIdle) {
            return;
        }
        if (!inputShutdown) {
            channel.config().setAutoRead(true);
        }
        // Requests may be waiting, complete, in the decoder; no read would bring them out if the
        // client has nothing more to send. Not from here: drain() runs inside a backend's reply.
        resumePending = true;
        channel.eventLoop().execute(() -> {
            resumePending = false;
            if (!closed && !paused && channel.isActive()) {
                channel.pipeline().fireChannelRead(Unpooled.EMPTY_BUFFER);
                channel.pipeline().fireChannelReadComplete();
            }
            closeIfDoneAfterEof();
        });
    }

    /**
     * The client shut down its sending side (e.g. {@code printf 'GET k\r\n' | nc -N}): it still
     * gets the replies to what it sent, then the connection closes, as with nutcracker and redis.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            ctx.channel().config().setAutoRead(false);
            closeIfDoneAfterEof();
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void closeIfDoneAfterEof() {
        if (inputShutdown && !closingAtEof && !closed && queue.isEmpty() && !paused && !resumePending
                && handoff == null) {
            closingAtEof = true;
            out.drainTo(channel);
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        if (loop != null) {
            loop.clients.remove(this);
        }
        if (counted) {
            counted = false;
            pool.clients().decrementAndGet();
            stats.clientConnections--;
            if (!closing && !migrated && !closeWhenIdle) {
                stats.clientEof++;
            }
            engine.connectionClosed();
        }
        out.release();
        Request r;
        while ((r = queue.pollFirst()) != null) {
            r.discard();
        }
        endTurn();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (stats != null) {
            stats.clientErr++;
        }
        if (!(cause instanceof IOException)) {
            Log.info("client %s in pool '%s': %s", ctx.channel().remoteAddress(), pool.name(), cause.toString());
        }
        closing = true;
        ctx.close();
    }

    protected final Request newRequest() {
        return new Request(this);
    }

    /** Queues a request the proxy answers itself; the reply goes out in order. */
    protected final void answer(Request r, ByteBuf reply) {
        r.reply = reply;
        r.done = true;
        queue.addLast(r);
        if (queue.size() == 1) {
            drain();
        }
    }

    /** Answers and then closes the connection once every earlier reply has been written. */
    protected final void answerAndClose(Request r, ByteBuf reply) {
        r.closeAfter = true;
        closing = true;
        answer(r, reply);
    }

    /** Sends {@code r} (its payload already set) to {@code server}; null means no server is live. */
    protected final void forward(Request r, Server server) {
        queue.addLast(r);
        send(r, server);
    }

    /**
     * Sends {@code r} to {@code server} for a request the backend does not answer (memcached
     * {@code noreply}): it keeps its place in the reply order but is done at once with no reply,
     * so it writes nothing and holds up nothing; a failure to send it is not reported.
     */
    protected final void forwardNoReply(Request r, Server server) {
        r.noReply = true;
        answer(r, null);
        send(r, server);
    }

    /** Sets the bytes {@code r} sends to its backend; ownership of {@code payload} passes to it. */
    protected final void setPayload(Request r, ByteBuf payload) {
        r.payload = payload;
        r.requestBytes = payload.readableBytes();
    }

    /** Queues a parent whose fragments are sent separately with {@link #sendFragment}. */
    protected final void enqueueParent(Request parent, int fragments) {
        parent.fragments = new Request[fragments];
        parent.pendingFragments = fragments;
        stats.fragments += fragments;
        queue.addLast(parent);
    }

    protected final Request sendFragment(Request parent, int i, ByteBuf payload, Server server) {
        Request f = newRequest();
        f.parent = parent;
        f.payload = payload;
        f.requestBytes = payload.readableBytes();
        parent.fragments[i] = f;
        send(f, server);
        return f;
    }

    protected final void countClientError() {
        stats.clientErr++;
    }

    private void send(Request r, Server server) {
        if (server == null) {
            r.fail(Errors.CONNECTION_REFUSED);
            return;
        }
        r.server = server;
        ServerConnection conn = engine.connection(server, loop);
        conn.send(r);
    }

    void countForwardError() {
        stats.forwardError++;
    }

    /** A queued request is done; replies are written from the head of the queue while done. */
    void requestDone(Request r) {
        if (queue.peekFirst() == r) {
            drain();
        }
    }

    private void drain() {
        Request r;
        boolean wrote = false;
        while ((r = queue.peekFirst()) != null && r.done) {
            queue.pollFirst();
            ByteBuf reply = r.reply;
            r.reply = null;
            if (reply != null) {
                if (closed) {
                    reply.release();
                } else if (outputLimit > 0 && overOutputLimit(reply)) {
                    closeForOutputLimit(reply);
                    return;
                } else {
                    out.add(channel, reply);
                }
                wrote = true;
            }
            if (r.closeAfter) {
                out.drainTo(channel);
                channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                    .addListener(ChannelFutureListener.CLOSE);
                while ((r = queue.pollFirst()) != null) {
                    r.discard();
                }
                return;
            }
        }
        if (wrote) {
            loop.markDirty(this);
        }
        if (paused && queue.size() <= maxPending / 2) {
            resume();
        }
        if (queue.isEmpty() && (handoff != null || closeWhenIdle)) {
            finishAtBoundary();
        } else {
            closeIfDoneAfterEof();
        }
    }

    /**
     * Whether writing {@code reply} would leave more than {@code --client-output-limit} bytes
     * unread in the outbound buffer. A reply larger than the limit still goes out when nothing
     * is waiting before it, so no single reply is refused for its size alone.
     */
    private boolean overOutputLimit(ByteBuf reply) {
        ChannelOutboundBuffer unsent = channel.unsafe().outboundBuffer();
        long buffered = unsent == null ? 0 : unsent.totalPendingWriteBytes();
        return buffered > 0 && buffered + reply.readableBytes() > outputLimit;
    }

    /** The client does not read its replies: drop them and close, rather than hold them all. */
    private void closeForOutputLimit(ByteBuf reply) {
        ChannelOutboundBuffer unsent = channel.unsafe().outboundBuffer();
        Log.warn("client %s in pool '%s' closed: it left %d bytes of replies unread (--client-output-limit %d)",
            channel.remoteAddress(), pool.name(), unsent == null ? 0 : unsent.totalPendingWriteBytes(), outputLimit);
        reply.release();
        stats.clientErr++;
        closing = true;
        // From now on replies still on their way are released as they arrive.
        closed = true;
        Request r;
        while ((r = queue.pollFirst()) != null) {
            r.discard();
        }
        channel.close();
    }

    /**
     * Handoff, on this connection's loop: stop reading; once every reply is out, move the
     * connection to the successor (or, with {@code handoff} null, close it). Returns whether it
     * moves.
     */
    boolean leaveAtBoundary(ClientHandoff target) {
        if (closed || closing || handoff != null || closeWhenIdle) {
            return false;
        }
        if (target != null && !target.successorAlive()) {
            return false; // the old process takes serving back: stay
        }
        channel.config().setAutoRead(false);
        boolean moves = target != null && target.migrates(pool.name());
        if (moves) {
            handoff = target;
        } else {
            closeWhenIdle = true;
            departure = target == null ? "stopping" : target.whyNot(pool.name());
        }
        if (queue.isEmpty()) {
            finishAtBoundary();
        }
        return moves;
    }

    /**
     * This connection's turn to move has come ({@code window} null: no turns, the drain deadline
     * has passed); from any thread.
     */
    void takeTurn(ClientHandoff target, MoveWindow<ClientConnection> window) {
        try {
            channel.eventLoop().execute(() -> beginTurn(target, window));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // this process is stopping: its loops are shutting down
        }
    }

    private void beginTurn(ClientHandoff target, MoveWindow<ClientConnection> window) {
        turn = window;
        if (!leaveAtBoundary(target)) {
            // Closed meanwhile, or the successor is gone: served here as before, until a
            // take-back or the drain deadline.
            endTurn();
            return;
        }
        if (turn != null) {
            // Not sent yet: replies still to come from a slow backend, or a client that does not
            // read them. If that takes long, nobody else waits for it: the rest move at once (the
            // hurry first, so no other turn begins), and this one still moves once it can.
            channel.eventLoop().schedule(() -> {
                if (turn == window) {
                    window.hurry("a connection was not ready to move within "
                        + MoveWindow.SLOW_TURN_MILLIS + " ms");
                    endTurn();
                }
            }, MoveWindow.SLOW_TURN_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    private void endTurn() {
        MoveWindow<ClientConnection> w = turn;
        if (w != null) {
            turn = null;
            w.turnEnded();
        }
    }

    /**
     * The successor died before this connection moved: stay, and read again. (One whose move is
     * already under way is lost: its migration fails and it closes.)
     */
    void rejoin() {
        if (closed || closing || migrated || (handoff == null && !closeWhenIdle)) {
            return;
        }
        handoff = null;
        closeWhenIdle = false;
        paused = false;
        endTurn();
        startReading();
        channel.eventLoop().execute(() -> {
            if (!closed && channel.isActive() && acceptsRequests()) {
                channel.pipeline().fireChannelRead(Unpooled.EMPTY_BUFFER);
                channel.pipeline().fireChannelReadComplete();
            }
        });
    }

    /** Drain deadline passed: flush what is done and close. */
    void closeAfterFlush() {
        if (!closed) {
            closeWhenIdle = true;
            handoff = null;
            engine.departed("drain_deadline");
            out.drainTo(channel);
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void finishAtBoundary() {
        ClientHandoff target = handoff;
        handoff = null;
        // Flush first: the successor must not write to the socket before our last reply is out.
        out.drainTo(channel);
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (closed) {
                return;
            }
            if (target == null || !f.isSuccess()) {
                closeWhenIdle = true;
                engine.departed(!f.isSuccess() ? "client_gone" : departure);
                channel.close();
                return;
            }
            byte[] unread = new byte[0];
            Object decoder = channel.pipeline().get("decoder");
            if (decoder instanceof UnparsedBytes) {
                unread = ((UnparsedBytes) decoder).unparsedBytes();
            }
            migrated = true;
            target.migrate(channel, pool.name(), exportState(), unread).addListener(done -> {
                if (done.cause() instanceof java.nio.channels.ClosedChannelException) {
                    engine.departed("client_gone"); // hung up while waiting to move
                } else if (!done.isSuccess()) {
                    Log.warn("client %s in pool '%s' could not move to the new process, closing it: %s",
                        channel.remoteAddress(), pool.name(), done.cause());
                    engine.departed("move_failed");
                } else {
                    engine.departed("moved");
                }
                endTurn();
                channel.eventLoop().execute(channel::close);
            });
        });
    }

    void flush() {
        if (!closed) {
            out.drainTo(channel);
            channel.flush();
        }
    }
}
