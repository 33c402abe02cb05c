package io.twd.daemon.internal.proxy;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The daemon's log, with nutcracker's levels (0 emerg .. 11 pverb, default 5 notice) so {@code -v}
 * means the same. Used for lifecycle events only, never per request.
 */
public final class Log {
    public static final int ERROR = 3;
    public static final int WARN = 4;
    public static final int NOTICE = 5;
    public static final int INFO = 6;
    public static final int DEBUG = 7;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private static volatile int level = NOTICE;
    private static volatile PrintStream out = System.err;
    private static volatile String file;

    private Log() {
    }

    public static void setLevel(int newLevel) {
        level = newLevel;
    }

    /** Logs to {@code path} (appending), or to stderr when null. */
    public static synchronized void open(String path) throws IOException {
        PrintStream next = path == null ? System.err
            : new PrintStream(new FileOutputStream(path, true), true, StandardCharsets.UTF_8);
        PrintStream previous = out;
        out = next;
        file = path;
        if (previous != System.err) {
            previous.close();
        }
    }

    /** Reopens the log file, for logrotate; a no-op when logging to stderr. */
    public static void reopen() {
        String path = file;
        if (path != null) {
            try {
                open(path);
            } catch (IOException e) {
                error("cannot reopen log file %s: %s", path, e.getMessage());
            }
        }
    }

    public static boolean enabled(int atLevel) {
        return atLevel <= level;
    }

    public static void error(String format, Object... args) {
        log(ERROR, format, args);
    }

    public static void warn(String format, Object... args) {
        log(WARN, format, args);
    }

    public static void notice(String format, Object... args) {
        log(NOTICE, format, args);
    }

    public static void info(String format, Object... args) {
        log(INFO, format, args);
    }

    public static void debug(String format, Object... args) {
        log(DEBUG, format, args);
    }

    private static void log(int atLevel, String format, Object... args) {
        if (atLevel > level) {
            return;
        }
        String line = "[" + LocalDateTime.now().format(TIME) + "] twd[" + ProcessHandle.current().pid() + "]: "
            + String.format(format, args);
        PrintStream o = out;
        synchronized (o) {
            o.println(line);
        }
    }
}
