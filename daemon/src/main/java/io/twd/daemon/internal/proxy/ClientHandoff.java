package io.twd.daemon.internal.proxy;

import com.google.gson.JsonObject;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;

/**
 * Where an idle client connection goes when this process hands over to its successor. The
 * implementation sends the socket, its unread bytes and its state; the connection closes its
 * own copy once the returned future completes.
 */
public interface ClientHandoff {
    /** Whether connections of {@code pool} move (the pool exists in the successor with the same protocol). */
    boolean migrates(String pool);

    /** Why connections of {@code pool} do not move (a word for stats, e.g. {@code pool_removed}). */
    default String whyNot(String pool) {
        return "not_migrated";
    }

    /** False once the successor is gone: connections then stay, as the old process takes serving back. */
    default boolean successorAlive() {
        return true;
    }

    /**
     * Whether the successor confirms each connection it adopts, so connections can move a few at
     * a time ({@link MoveWindow}); a successor of an older build does not, and they all move at once.
     */
    default boolean confirmsEachMove() {
        return false;
    }

    /** Connections sent to the successor that it has not confirmed yet. */
    default long unconfirmed() {
        return 0;
    }

    /** Runs {@code action} (on some thread) each time the successor confirms a connection. */
    default void onConfirmed(Runnable action) {
    }

    /** Called on the client's event loop with reading stopped and every reply flushed. */
    Future<?> migrate(Channel channel, String pool, JsonObject state, byte[] unread);
}
