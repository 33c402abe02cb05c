package io.twd.daemon.internal.proxy;

/**
 * Asked by a client's request decoder before it frames each request: whether the connection
 * takes another one now. When it does not (too many requests outstanding, or the connection is
 * leaving), the decoder leaves the bytes where they are, unparsed, and the connection stops
 * reading; it asks the decoder to go on once replies have drained.
 */
public interface RequestGate {
    /** Always open: for decoders used on their own (tests). */
    RequestGate OPEN = () -> true;

    boolean acceptsRequests();
}
