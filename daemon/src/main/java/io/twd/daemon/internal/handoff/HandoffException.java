package io.twd.daemon.internal.handoff;

/** A handoff that did not happen; the message says why, for the admin reply. */
public final class HandoffException extends Exception {
    public HandoffException(String message) {
        super(message);
    }

    public HandoffException(String message, Throwable cause) {
        super(message, cause);
    }
}
