package io.twd.daemon;

import io.twd.daemon.internal.proxy.Log;

/** Signal hooks. SIGTERM and SIGINT already run the JVM's shutdown hooks (a graceful stop). */
final class Signals {
    private Signals() {
    }

    /** SIGHUP: nutcracker reopens its log file; twd does the same until reload takes this signal. */
    @SuppressWarnings("removal")
    static void onHangup(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> action.run());
        } catch (IllegalArgumentException e) {
            Log.warn("cannot handle SIGHUP: %s", e.getMessage());
        }
    }
}
