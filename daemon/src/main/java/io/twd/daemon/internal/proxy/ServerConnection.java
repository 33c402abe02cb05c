package io.twd.daemon.internal.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.twd.daemon.internal.pool.Server;
import io.twd.daemon.internal.stats.ServerCounters;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One connection to a backend, owned by one event loop. Requests are written in order and their
 * replies matched in the same order (both protocols answer in order); requests queued before the
 * connection is up are written, after the AUTH/SELECT preamble, once it is.
 *
 * <p>Timeouts follow twemproxy: the clock starts when a request is queued here, and when the oldest
 * outstanding request expires the whole connection is closed and every request on it fails with
 * "Connection timed out". One timer per connection, re-armed for the oldest request, keeps this
 * off the per-request path.
 */
public final class ServerConnection extends ChannelInboundHandlerAdapter {
    private final Server server;
    private final LoopState loop;
    private final ServerCounters stats;
    private final long timeoutNanos;
    private final ArrayDeque<Request> unsent = new ArrayDeque<>();
    private final ArrayDeque<Request> inflight = new ArrayDeque<>();
    private final WriteBatch out = new WriteBatch();
    private Channel channel;
    private boolean connected;
    private boolean closed;
    /** Why the connection closed: what requests that still arrive for it fail with. */
    private String closeReason;
    private int preambleReplies;
    private ScheduledFuture<?> timer;
    boolean dirty;

    ServerConnection(Server server, LoopState loop) {
        this.server = server;
        this.loop = loop;
        this.stats = server.counters(loop.index);
        int timeout = server.pool().config().timeout();
        this.timeoutNanos = timeout > 0 ? TimeUnit.MILLISECONDS.toNanos(timeout) : 0;
    }

    void attach(ChannelFuture connectFuture) {
        this.channel = connectFuture.channel();
        stats.serverConnections++;
        connectFuture.addListener(f -> {
            if (!f.isSuccess()) {
                stats.serverErr++;
                close(Errors.strerror(f.cause()), true);
                // A channel that never connected fires no channelInactive: flush the failures
                // written to the clients here, or they would wait for unrelated traffic.
                loop.flushClients();
            }
        });
    }

    public Server server() {
        return server;
    }

    boolean isClosed() {
        return closed;
    }

    /** The oldest request still waiting for a reply; the memcached reply decoder frames by it. */
    public Request oldestInflight() {
        return inflight.peekFirst();
    }

    void send(Request r) {
        if (closed) {
            // The connect can fail before the first request is queued (a refused connect on the
            // loopback fails at once, inside connect()): fail the request rather than park it
            // on a connection that will never write it.
            r.fail(closeReason);
            return;
        }
        if (timeoutNanos != 0 && !r.noReply) {
            r.deadlineNanos = System.nanoTime() + timeoutNanos;
            if (timer == null && connected) {
                armTimer(timeoutNanos);
            }
        }
        if (!r.noReply) {
            inflight.addLast(r);
            stats.outQueue++;
            stats.outQueueBytes += r.requestBytes;
        }
        if (connected) {
            write(r);
        } else {
            unsent.addLast(r);
            stats.inQueue++;
            stats.inQueueBytes += r.requestBytes;
        }
    }

    private void write(Request r) {
        stats.requests++;
        stats.requestBytes += r.requestBytes;
        ByteBuf payload = r.payload;
        r.payload = null;
        out.add(channel, payload);
        loop.markDirty(this);
    }

    void flush() {
        if (connected && !closed) {
            out.drainTo(channel);
            channel.flush();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connected = true;
        ByteBuf preamble = Protocols.preamble(server.pool().config(), ctx.alloc());
        if (preamble != null) {
            preambleReplies = Protocols.preambleReplies(server.pool().config());
            ctx.write(preamble, ctx.voidPromise());
        }
        Request r;
        while ((r = unsent.pollFirst()) != null) {
            stats.inQueue--;
            stats.inQueueBytes -= r.requestBytes;
            if (r.payload == null) {
                // Its client left while the connect was pending and Request.discard released
                // the bytes: nothing to send, and no reply to wait for. Writing it would throw
                // and take down the connection, failing every other client's request on it.
                if (!r.noReply && inflight.remove(r)) {
                    stats.outQueue--;
                    stats.outQueueBytes -= r.requestBytes;
                }
                continue;
            }
            write(r);
        }
        if (timeoutNanos != 0 && !inflight.isEmpty()) {
            armTimer(Math.max(0, inflight.peekFirst().deadlineNanos - System.nanoTime()));
        }
        out.drainTo(channel);
        ctx.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf reply = (ByteBuf) msg;
        if (preambleReplies > 0) {
            preambleReplies--;
            if (Protocols.isErrorReply(server.pool().config(), reply)) {
                Log.warn("server '%s' in pool '%s' rejected the connection preamble: %s", server.name(),
                    server.pool().name(), reply.toString(io.netty.util.CharsetUtil.UTF_8).trim());
            }
            reply.release();
            return;
        }
        Request r = inflight.pollFirst();
        if (r == null) {
            // A reply nobody asked for: the stream can no longer be trusted.
            reply.release();
            stats.serverErr++;
            close("Invalid argument", true);
            return;
        }
        stats.outQueue--;
        stats.outQueueBytes -= r.requestBytes;
        stats.responses++;
        stats.responseBytes += reply.readableBytes();
        if (Protocols.isFailureReply(server.pool().config(), reply)) {
            server.recordFailure();
        } else {
            server.recordSuccess();
        }
        r.complete(reply);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!closed) {
            stats.serverEof++;
            close(Errors.CONNECTION_RESET, true);
        }
        loop.flushClients();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!closed) {
            stats.serverErr++;
            Log.info("server '%s' in pool '%s': %s", server.name(), server.pool().name(), cause.toString());
            close(Errors.strerror(cause), true);
        }
        loop.flushClients();
    }

    /** Fails everything outstanding with {@code reason} and closes the channel. */
    void close(String reason, boolean countsAsFailure) {
        if (closed) {
            return;
        }
        closed = true;
        closeReason = reason;
        out.release();
        stats.serverConnections--;
        server.clearConnection(loop.index, this);
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        stats.inQueue -= unsent.size();
        for (Request r : unsent) {
            stats.inQueueBytes -= r.requestBytes;
            r.releasePayload();
        }
        unsent.clear();
        Request r;
        while ((r = inflight.pollFirst()) != null) {
            stats.outQueue--;
            stats.outQueueBytes -= r.requestBytes;
            r.fail(reason);
        }
        if (countsAsFailure) {
            server.recordFailure();
        }
        if (channel != null) {
            channel.close();
        }
    }

    private void armTimer(long delayNanos) {
        timer = channel.eventLoop().schedule(this::checkTimeout, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkTimeout() {
        timer = null;
        if (closed) {
            return;
        }
        Request oldest = inflight.peekFirst();
        if (oldest == null) {
            return;
        }
        long left = oldest.deadlineNanos - System.nanoTime();
        if (left <= 0) {
            stats.serverTimedout++;
            close(Errors.CONNECTION_TIMED_OUT, true);
            loop.flushClients();
        } else {
            armTimer(left);
        }
    }
}
