package io.twd.daemon.internal.proxy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Client connections moving to a successor take turns, a few at a time.
 *
 * <p>A connection stops reading when its move begins and reads again only once the successor has
 * adopted it, so its requests wait meanwhile. Moving every connection at once made every client
 * wait for the last one: on 2 cores, with a successor JVM that is still cold, about 130 ms with
 * 100 connections and 0.6 to 1 s with 1,000 (docs/benchmarks.md). With turns, a connection waits
 * only for the few moving with it, and the others go on being served here, as they were, until
 * their turn.
 *
 * <p>At most {@link #SIZE} connections are on their way at once: turns begun and not yet sent,
 * plus connections sent and not yet confirmed by the successor ({@code ADOPTED}). A turn ends when
 * the connection's socket has been sent, or when it closes instead.
 *
 * <p>Turns help only while both processes keep up. When they do not, everyone left moves at once,
 * as before turns existed ({@link #hurry}): when a connection has not been sent within
 * {@link #SLOW_TURN_MILLIS} of its turn (a reply held up by a slow backend, a client that does not
 * read its replies: it must not hold up everyone else, and it still moves once it can), and when
 * the successor has confirmed nothing for {@link #STALL_MILLIS} with connections on their way. The
 * second is a machine out of CPU: serving those still in line, this process competes with the new
 * one taking them, and on 2 cores under a saturating load clients then waited seconds for a reply
 * (reload/MigrationTest); stopping them all leaves the CPU to the new process.
 *
 * <p>Used from any thread: the client connections' loops (turns ending) and the handoff's control
 * connection (confirmations). Each connection's own work runs on its own loop.
 *
 * @param <C> a connection in line ({@link ClientConnection}; tests use their own)
 */
final class MoveWindow<C> {
    /**
     * Connections on their way at once. Measured on 2 cores, 100 connections moving (docs/
     * benchmarks.md): the successor takes over one every 2 to 3 ms while it is cold, whatever the
     * window, so a larger one only lengthens each connection's wait (median 24-35 ms with 16,
     * 6-12 ms with 4), and with 1 the round trips between the two processes slow the whole move.
     */
    static final int SIZE = 4;
    /** A connection not sent this long after its turn began: everyone left moves at once. */
    static final long SLOW_TURN_MILLIS = 50;
    /** No confirmation from the successor this long, with connections on their way: the same. */
    static final long STALL_MILLIS = 100;

    private final ClientHandoff handoff;
    /**
     * Begins a connection's move; it calls {@link #turnEnded} when its turn is over (null window:
     * no turn). It must not end the turn before it returns, or pump would recurse once per
     * connection in line (ClientConnection's posts the move to the connection's loop).
     */
    private final BiConsumer<C, MoveWindow<C>> begin;
    /** Connections in line. Guarded by this. */
    private final ArrayDeque<C> waiting = new ArrayDeque<>();
    /** Turns begun and not yet ended. Guarded by this. */
    private int turns;
    /** No more turns: the successor is gone, or the rest were told to move at once. */
    private boolean over;
    /** The rest were told to move at once: a connection put in line from now on begins at once. */
    private boolean hurried;
    /** When a connection was last sent or confirmed (System.nanoTime). Guarded by this. */
    private long lastProgress = System.nanoTime();

    MoveWindow(ClientHandoff handoff, BiConsumer<C, MoveWindow<C>> begin) {
        this.handoff = handoff;
        this.begin = begin;
    }

    /** Puts {@code c} in line; it keeps being served here until its turn. */
    void add(C c) {
        boolean now;
        synchronized (this) {
            now = hurried;
            if (!now) {
                waiting.add(c);
            }
        }
        if (now) {
            begin.accept(c, null); // the others were told to move at once before this one was in line
        }
    }

    /** Begins turns while fewer than {@link #SIZE} connections are on their way. */
    void pump() {
        while (true) {
            C next;
            synchronized (this) {
                if (over) {
                    return;
                }
                if (!handoff.successorAlive()) {
                    // No more turns. Those in line are served here as before: if the successor
                    // died, this process takes serving back (stop); if only its end of the
                    // handoff is gone, they are closed at the drain deadline.
                    over = true;
                    return;
                }
                long unconfirmed = handoff.unconfirmed();
                if (turns + unconfirmed >= SIZE) {
                    return;
                }
                next = waiting.poll();
                if (next == null) {
                    return;
                }
                if (turns + unconfirmed == 0) {
                    lastProgress = System.nanoTime(); // nothing was on its way: no stall so far
                }
                turns++;
            }
            begin.accept(next, this);
        }
    }

    /** A turn is over (its connection sent, or closed): room for the next connection. */
    void turnEnded() {
        synchronized (this) {
            turns--;
            lastProgress = System.nanoTime();
        }
        pump();
    }

    /** The successor confirmed a connection. */
    void confirmed() {
        synchronized (this) {
            lastProgress = System.nanoTime();
        }
        pump();
    }

    /**
     * Called every few ms while the handoff drains: if the successor has confirmed nothing for
     * {@link #STALL_MILLIS} with connections on their way, everyone left moves at once. Returns
     * whether it did.
     */
    boolean checkProgress(long nowNanos) {
        synchronized (this) {
            if (!over && !handoff.successorAlive()) {
                over = true; // see pump
            }
            if (over || handoff.unconfirmed() + turns == 0
                    || nowNanos - lastProgress < java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS)) {
                return false;
            }
        }
        hurry("the new process confirmed no connection for " + STALL_MILLIS + " ms");
        return true;
    }

    /**
     * Every connection still in line begins now, outside any turn; {@code why} is logged (null:
     * the caller says it). Returns how many began.
     */
    int hurry(String why) {
        List<C> rest;
        synchronized (this) {
            over = true;
            if (!handoff.successorAlive()) {
                return 0; // nobody can move: those in line are served here (see pump)
            }
            hurried = true;
            rest = new ArrayList<>(waiting);
            waiting.clear();
        }
        rest.forEach(c -> begin.accept(c, null));
        if (!rest.isEmpty() && why != null) {
            Log.notice("handoff: %s; the %d client connections left move at once", why, rest.size());
        }
        return rest.size();
    }

    /** The successor died and this process serves on: no more turns, and nobody in line. */
    synchronized void stop() {
        over = true;
        waiting.clear();
    }

    /** Connections in line, not yet begun. */
    synchronized int waiting() {
        return waiting.size();
    }
}
