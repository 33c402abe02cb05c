package io.twd.protocol.admin;

/**
 * A request line that the admin grammar rejects. The message is exactly what the daemon puts after
 * {@code ERR } in its answer, e.g. {@code unterminated quote at column 17}, so the server can answer
 * with {@code AdminResponse.err(e.getMessage())} and twctl can print the same text without asking
 * the daemon.
 */
public final class AdminSyntaxException extends Exception {

    private final int column;

    /** An error about the request as a whole (unknown command, bad argument, ...). */
    public AdminSyntaxException(String message) {
        this(message, 0);
    }

    /**
     * An error at a place in the line; {@code column} counts code points from 1, and the message
     * should already name it.
     */
    public AdminSyntaxException(String message, int column) {
        super(message);
        this.column = column;
    }

    /** The 1-based column (in code points) the error points at, or 0 if it is not about a column. */
    public int column() {
        return column;
    }
}
