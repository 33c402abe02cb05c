package io.twd.daemon.internal.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import io.twd.daemon.internal.pool.Server;

/**
 * One request in flight: queued on its client connection in arrival order, and (unless it is
 * answered by the proxy) on one backend connection. A multi-key request that spans servers is a
 * parent with one fragment per server; the parent is answered when every fragment is done.
 *
 * <p>Only ever touched by its client's event loop, so nothing here is synchronized.
 */
public final class Request {
    final ClientConnection client;
    /** Bytes to send to the backend; ownership passes to the channel when written. */
    ByteBuf payload;
    /** The reply to write to the client, once known. */
    ByteBuf reply;
    /** The decoded protocol message, kept only when merging fragments needs it. */
    Object message;
    Server server;
    Request parent;
    Request[] fragments;
    int pendingFragments;
    /** Parent only: which fragment, and which position in it, holds the i-th key. */
    int[] keyFragment;
    int[] keyPosition;
    /** First failure among a parent's fragments, reported for the whole command. */
    String fragmentError;
    boolean done;
    boolean closeAfter;
    /** Memcached {@code noreply}: the backend answers nothing, so the client gets nothing. */
    boolean noReply;
    long deadlineNanos;
    int requestBytes;

    Request(ClientConnection client) {
        this.client = client;
    }

    public ByteBuf reply() {
        return reply;
    }

    public Request[] fragments() {
        return fragments;
    }

    public int[] keyFragment() {
        return keyFragment;
    }

    public int[] keyPosition() {
        return keyPosition;
    }

    public Object message() {
        return message;
    }

    /** Keeps what merging the fragments' replies needs (e.g. the command). */
    public void setMessage(Object message) {
        this.message = message;
    }

    /** For a parent: key i is at position {@code position[i]} of fragment {@code fragment[i]}. */
    public void setKeyMapping(int[] fragment, int[] position) {
        this.keyFragment = fragment;
        this.keyPosition = position;
    }

    /** Called on the event loop when the backend's reply arrives (reply ownership passes here). */
    void complete(ByteBuf backendReply) {
        if (done || client.closed) {
            done = true;
            ReferenceCountUtil.release(backendReply);
            return;
        }
        reply = backendReply;
        done = true;
        if (parent != null) {
            parent.fragmentDone();
        } else {
            client.requestDone(this);
        }
    }

    /** Called when the backend cannot answer; {@code reason} is a strerror-style text. */
    void fail(String reason) {
        if (done || client.closed) {
            done = true;
            releasePayload();
            return;
        }
        releasePayload();
        client.countForwardError();
        if (parent != null) {
            done = true;
            if (parent.fragmentError == null) {
                parent.fragmentError = reason;
            }
            parent.fragmentDone();
        } else {
            reply = client.errorReply(reason);
            done = true;
            client.requestDone(this);
        }
    }

    private void fragmentDone() {
        if (--pendingFragments > 0 || done) {
            return;
        }
        reply = fragmentError != null ? client.errorReply(fragmentError) : client.mergeFragments(this);
        releaseFragments();
        message = null;
        done = true;
        client.requestDone(this);
    }

    void releasePayload() {
        if (payload != null) {
            payload.release();
            payload = null;
        }
    }

    void releaseFragments() {
        if (fragments != null) {
            for (Request f : fragments) {
                f.releasePayload();
                if (f.reply != null) {
                    f.reply.release();
                    f.reply = null;
                }
            }
        }
    }

    /** Frees everything this request still holds; used when its client goes away. */
    void discard() {
        releasePayload();
        releaseFragments();
        if (reply != null) {
            reply.release();
            reply = null;
        }
        // Not the message itself: a request still in flight on a backend connection is framed
        // by it (memcached replies: the ReplyKind), and its reply still arrives after the client
        // is gone. Dropping it framed a value reply as one line, and the connection's next
        // replies went to the wrong requests of other clients.
        if (message instanceof ReferenceCounted) {
            ReferenceCountUtil.release(message);
            message = null;
        }
    }
}
