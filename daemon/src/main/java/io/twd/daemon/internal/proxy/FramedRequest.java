package io.twd.daemon.internal.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A client request as a decoder framed it, around the exact bytes received. Reference counting
 * delegates to those bytes, so releasing the request releases them.
 */
public abstract class FramedRequest implements ReferenceCounted {
    protected final ByteBuf raw;

    protected FramedRequest(ByteBuf raw) {
        this.raw = raw;
    }

    /** The whole request as received, a retained slice of the input. */
    public final ByteBuf raw() {
        return raw;
    }

    @Override
    public final int refCnt() {
        return raw.refCnt();
    }

    @Override
    public final FramedRequest retain() {
        raw.retain();
        return this;
    }

    @Override
    public final FramedRequest retain(int increment) {
        raw.retain(increment);
        return this;
    }

    @Override
    public final FramedRequest touch() {
        raw.touch();
        return this;
    }

    @Override
    public final FramedRequest touch(Object hint) {
        raw.touch(hint);
        return this;
    }

    @Override
    public final boolean release() {
        return raw.release();
    }

    @Override
    public final boolean release(int decrement) {
        return raw.release(decrement);
    }
}
