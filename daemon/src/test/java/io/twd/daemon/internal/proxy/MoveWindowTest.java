package io.twd.daemon.internal.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The accounting of {@link MoveWindow}: how many connections are on their way at once, counting
 * those the successor has not confirmed, and what ends a turn. The connections here are names;
 * the end-to-end tests (reload/HotReloadTest) move real ones.
 */
class MoveWindowTest {
    /** The successor as the window sees it: alive or not, and how many sends it has not confirmed. */
    static final class Successor implements ClientHandoff {
        boolean alive = true;
        long unconfirmed;

        @Override
        public boolean migrates(String pool) {
            return true;
        }

        @Override
        public boolean successorAlive() {
            return alive;
        }

        @Override
        public long unconfirmed() {
            return unconfirmed;
        }

        @Override
        public Future<?> migrate(Channel channel, String pool, JsonObject state, byte[] unread) {
            throw new UnsupportedOperationException();
        }
    }

    final Successor successor = new Successor();
    /** Connections whose move began, in order, with the window they were given (null: no turn). */
    final List<String> begun = new ArrayList<>();
    final List<MoveWindow<String>> windows = new ArrayList<>();
    final MoveWindow<String> window = new MoveWindow<>(successor, (c, w) -> {
        begun.add(c);
        windows.add(w);
    });

    private void line(int n) {
        for (int i = 0; i < n; i++) {
            window.add("c" + i);
        }
    }

    @Test
    void atMostSizeBeginAtOnceAndInTheirOrder() {
        line(10);
        window.pump();
        List<String> first = new ArrayList<>();
        for (int i = 0; i < MoveWindow.SIZE; i++) {
            first.add("c" + i);
        }
        assertEquals(first, begun);
        window.pump();
        assertEquals(MoveWindow.SIZE, begun.size(), "pumping again without a turn ending begins nothing");
        assertEquals(10 - MoveWindow.SIZE, window.waiting());
        windows.forEach(w -> assertSame(window, w));
    }

    @Test
    void aSentButUnconfirmedConnectionStillHoldsItsPlace() {
        line(10);
        window.pump();
        // The first one's socket is sent: its turn ends, but the successor has not confirmed it.
        successor.unconfirmed = 1;
        window.turnEnded();
        assertEquals(MoveWindow.SIZE, begun.size());
        // Confirmed (ADOPTED): the handoff pumps, and the next one begins.
        successor.unconfirmed = 0;
        window.pump();
        assertEquals(MoveWindow.SIZE + 1, begun.size());
        assertEquals("c" + MoveWindow.SIZE, begun.get(MoveWindow.SIZE));
    }

    @Test
    void everyoneMovesAsTurnsEnd() {
        line(25);
        window.pump();
        int ended = 0;
        while (ended < begun.size()) {
            ended++;
            window.turnEnded(); // each ends by closing, or as slow, or sent and confirmed at once
            assertTrue(begun.size() - ended <= MoveWindow.SIZE, "never more than SIZE on their way");
        }
        assertEquals(25, begun.size());
        assertEquals(0, window.waiting());
    }

    @Test
    void unconfirmedConnectionsFromElsewhereCountToo() {
        // Admin connections move outside the window, but the successor confirms them in the same count.
        successor.unconfirmed = MoveWindow.SIZE;
        line(3);
        window.pump();
        assertTrue(begun.isEmpty());
        successor.unconfirmed = MoveWindow.SIZE - 1;
        window.pump();
        assertEquals(List.of("c0"), begun);
    }

    @Test
    void aDeadSuccessorEndsTheTurnsAndATakeBackEmptiesTheLine() {
        line(10);
        window.pump();
        successor.alive = false;
        window.turnEnded();
        window.pump();
        assertEquals(MoveWindow.SIZE, begun.size(), "no turn begins once the successor is gone");
        assertEquals(10 - MoveWindow.SIZE, window.waiting(), "the line is kept for the drain deadline");
        // The old process takes serving back: those in line are simply served on.
        window.stop();
        assertEquals(0, window.waiting());
        successor.alive = true;
        window.add("late");
        window.pump();
        assertEquals(MoveWindow.SIZE, begun.size(), "a window that has ended begins nothing more");
    }

    @Test
    void withTheSuccessorGoneNothingBeginsNotEvenAtTheDeadline() {
        // Its end of the handoff gone (or the process dead, before the take-back): nobody can
        // move, so those in line are served here until the deadline closes them, or a take-back.
        line(6);
        window.pump();
        successor.alive = false;
        successor.unconfirmed = MoveWindow.SIZE;
        assertFalse(window.checkProgress(System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10)));
        window.hurry(null);
        assertEquals(MoveWindow.SIZE, begun.size());
        assertEquals(6 - MoveWindow.SIZE, window.waiting());
    }

    @Test
    void aConnectionPutInLineAfterAHurryBeginsAtOnce() {
        // A loop whose connections are put in line after another loop's turn already hurried.
        line(2);
        window.pump();
        window.hurry(null);
        window.add("late");
        assertEquals(List.of("c0", "c1", "late"), begun);
        assertNull(windows.get(2));
        assertEquals(0, window.waiting());
    }

    @Test
    void noStallIsSeenBeforeAnythingWasOnItsWay() throws InterruptedException {
        // The window was built long before its first turn (a busy loop put its clients in line late).
        MoveWindow<String> late = new MoveWindow<>(successor, (c, w) -> begun.add(c));
        late.add("c0");
        long stall = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(MoveWindow.STALL_MILLIS);
        // The window is older than the stall limit when its first turn begins.
        Thread.sleep(MoveWindow.STALL_MILLIS + 50);
        long before = System.nanoTime();
        late.pump();
        assertFalse(late.checkProgress(before + stall / 2), "the first turn starts the clock");
        assertTrue(late.checkProgress(System.nanoTime() + stall), "and then a stall is a stall");
    }

    @Test
    void aSuccessorThatConfirmsNothingForAWhileGetsTheRestAtOnce() {
        line(10);
        window.pump();
        long t0 = System.nanoTime();
        long stall = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(MoveWindow.STALL_MILLIS);
        // All 4 sent (their turns ended), none confirmed yet.
        successor.unconfirmed = MoveWindow.SIZE;
        for (int i = 0; i < MoveWindow.SIZE; i++) {
            window.turnEnded();
        }
        assertEquals(MoveWindow.SIZE, begun.size());
        assertFalse(window.checkProgress(t0 + stall / 2), "not yet: it has had less than STALL_MILLIS");
        assertTrue(window.checkProgress(System.nanoTime() + stall), "confirmed nothing for STALL_MILLIS");
        assertEquals(10, begun.size(), "the rest began at once");
        for (int i = MoveWindow.SIZE; i < 10; i++) {
            assertNull(windows.get(i), "outside any turn");
        }
        assertFalse(window.checkProgress(System.nanoTime() + 10 * stall), "once only");
    }

    @Test
    void nothingOnItsWayIsNoStall() {
        long later = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        MoveWindow<String> idle = new MoveWindow<>(successor, (c, w) -> { });
        assertFalse(idle.checkProgress(later), "nothing in line or on its way");
        // Everything sent and confirmed: a quiet moment, not a stall.
        line(2);
        window.pump();
        window.turnEnded();
        window.turnEnded();
        assertEquals(0, window.waiting());
        assertFalse(window.checkProgress(later));
    }

    @Test
    void theDrainDeadlineMovesTheRestAtOnceOutsideAnyTurn() {
        line(10);
        window.pump();
        window.hurry(null);
        assertEquals(10, begun.size());
        for (int i = MoveWindow.SIZE; i < 10; i++) {
            assertNull(windows.get(i), "hurried connections have no turn to end");
        }
        window.turnEnded();
        assertEquals(10, begun.size());
    }
}
