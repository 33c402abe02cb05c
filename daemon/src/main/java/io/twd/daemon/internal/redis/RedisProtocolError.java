package io.twd.daemon.internal.redis;

/**
 * Emitted once by {@link RedisRequestDecoder} when client input is not RESP it can frame. Nothing
 * after it can be trusted, so the decoder drops all further input; the engine answers
 * {@code -ERR Protocol error: <message>} after the replies still pending, then closes.
 */
public final class RedisProtocolError {
    private final String message;

    public RedisProtocolError(String message) {
        this.message = message;
    }

    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return "RedisProtocolError(" + message + ')';
    }
}
