package io.twd.cli;

import java.util.List;

/**
 * A failure with the exit code it maps to and a message for a person. Commands throw it; the
 * execution handler prints it (and, with {@code -o json}, a JSON error on stdout) and exits with
 * {@link #exitCode()}.
 */
public final class TwctlException extends RuntimeException {
    private final int exitCode;
    private final List<String> details;

    public TwctlException(int exitCode, String message) {
        this(exitCode, message, List.of(), null);
    }

    public TwctlException(int exitCode, String message, List<String> details, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.details = List.copyOf(details);
    }

    public static TwctlException usage(String message) {
        return new TwctlException(Exit.USAGE, message);
    }

    public int exitCode() {
        return exitCode;
    }

    /** More lines to print after the message, e.g. one config problem each. */
    public List<String> details() {
        return details;
    }
}
