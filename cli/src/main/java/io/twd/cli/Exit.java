package io.twd.cli;

import java.util.List;

/**
 * The exit codes scripts rely on; {@code --help} and twctl(1) list them from {@link #DESCRIPTIONS}, so
 * the two cannot disagree.
 */
public final class Exit {
    /** The command was done: the daemon answered OK, or the file checked is valid. */
    public static final int OK = 0;
    /** The daemon answered ERR (nothing changed), or {@code config check} found a problem. */
    public static final int REJECTED = 1;
    /** Bad command line or invalid value; nothing was sent. The same code picocli uses. */
    public static final int USAGE = 2;
    /** No daemon on the socket, or it went away before answering. */
    public static final int UNREACHABLE = 3;
    /** No answer within {@code --wait}; a change may still be applied. */
    public static final int TIMEOUT = 4;

    /** {@code code:description} pairs in picocli's {@code exitCodeList} format. */
    public static final List<String> DESCRIPTIONS = List.of(
            OK + ":done",
            REJECTED + ":rejected by the daemon (ERR; nothing changed), or config check found a problem",
            USAGE + ":usage error: bad command line or invalid value (nothing was sent)",
            UNREACHABLE + ":cannot reach the daemon, or it went away before answering",
            TIMEOUT + ":timed out (see --wait); a change may still be applied");

    private Exit() {}
}
