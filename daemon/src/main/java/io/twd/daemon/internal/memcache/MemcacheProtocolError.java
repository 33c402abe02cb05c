package io.twd.daemon.internal.memcache;

/**
 * Emitted once by {@link MemcacheRequestDecoder} when client input cannot be framed any more (a
 * storage command whose data length is unknown, a data block not followed by CRLF, a line that
 * is too long). Nothing after it can be trusted, so the decoder drops all further input; the
 * engine writes {@link #line()} after the replies still pending, then closes.
 */
public final class MemcacheProtocolError {
    private final String line;

    public MemcacheProtocolError(String line) {
        this.line = line;
    }

    /** The reply line without its CRLF, e.g. {@code CLIENT_ERROR bad data chunk}. */
    public String line() {
        return line;
    }

    @Override
    public String toString() {
        return "MemcacheProtocolError(" + line + ')';
    }
}
