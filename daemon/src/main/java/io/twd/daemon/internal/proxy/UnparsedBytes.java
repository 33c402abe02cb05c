package io.twd.daemon.internal.proxy;

/**
 * A request decoder that can give up the bytes it has received but not yet turned into a
 * request, so a migrating connection loses nothing that was half-read.
 */
public interface UnparsedBytes {
    byte[] unparsedBytes();
}
