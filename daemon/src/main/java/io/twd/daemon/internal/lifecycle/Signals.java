package io.twd.daemon.internal.lifecycle;

import io.twd.daemon.internal.proxy.Log;
import io.twd.protocol.admin.AdminRequest;

/**
 * nginx-style signals: HUP reloads the config file, USR2 upgrades the binary (both through the
 * same handoff as the admin commands), TERM and INT stop after draining.
 */
@SuppressWarnings("removal")
final class Signals {
    private Signals() {
    }

    static void install(Daemon daemon) {
        handle("HUP", () -> daemon.reloadFromSignal(new AdminRequest.Reload()));
        handle("USR2", () -> daemon.reloadFromSignal(new AdminRequest.Upgrade()));
        handle("TERM", daemon::stopGracefully);
        handle("INT", daemon::stopGracefully);
    }

    private static void handle(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                Log.notice("signal SIG%s received", name);
                action.run();
            });
        } catch (IllegalArgumentException e) {
            Log.warn("cannot handle SIG%s: %s", name, e.getMessage());
        }
    }
}
