package io.twd.daemon.internal.handoff;

import java.util.Locale;

/**
 * Fault injection for handoff tests: with {@code TWD_HANDOFF_FAULT=<step>} in the environment of
 * the daemon, every successor it starts dies (or hangs) at that step, so tests can prove that a
 * failed handoff leaves the running process serving. Steps: {@code after-hello},
 * {@code before-ready}, {@code hang-before-ready} (before READY: the old process has changed
 * nothing), {@code after-go} (the old process has stopped accepting) and {@code during-migration}
 * (right after adopting the first client connection). Never set in production.
 */
public final class Faults {
    static final String ENV = "TWD_HANDOFF_FAULT";

    private Faults() {
    }

    /** Called by a successor at {@code step}; dies or hangs there when told to. */
    public static void at(String step) {
        String fault = System.getenv(ENV);
        if (fault == null) {
            return;
        }
        fault = fault.toLowerCase(Locale.ROOT);
        if (fault.equals(step)) {
            Runtime.getRuntime().halt(3);
        }
        if (fault.equals("hang-" + step)) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Runtime.getRuntime().halt(3);
            }
        }
    }
}
