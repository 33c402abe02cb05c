package io.twd.protocol.config;

/**
 * A config that twd refuses, with where and why: {@code source:line: reason}.
 * The reason names the pool, the key and the offending value, so that one line in a log or on
 * the terminal is enough to fix the file (nutcracker -t prints only "syntax is invalid").
 */
public final class ConfigException extends Exception {
    private final String source;
    private final int line;
    private final String reason;

    /**
     * @param source the file name as the operator gave it, or a label such as {@code admin}
     * @param line   1-based line of the offending key, value or server; 0 when there is none
     * @param reason what is wrong, without the source and line
     */
    public ConfigException(String source, int line, String reason) {
        super(line > 0 ? source + ":" + line + ": " + reason : source + ": " + reason);
        this.source = source;
        this.line = line;
        this.reason = reason;
    }

    public String source() {
        return source;
    }

    /** 1-based line number, or 0 when the problem is not tied to a line. */
    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
