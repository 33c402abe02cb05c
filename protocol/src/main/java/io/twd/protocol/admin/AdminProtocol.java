package io.twd.protocol.admin;

import com.sun.security.auth.module.UnixSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The lexical layer of the admin line protocol that twd and twctl share: limits, the pool keys the
 * grammar accepts, where the admin socket lives, and how a request line splits into words.
 * The full grammar is written down in {@code docs/admin-protocol.md} and {@code twd-admin(7)}.
 */
public final class AdminProtocol {

    /**
     * Longest request line, in UTF-8 bytes, not counting its {@code \n} or {@code \r\n}. A longer
     * line is answered with {@code ERR line too long (limit 65536 bytes)} and skipped.
     */
    public static final int MAX_LINE_BYTES = 65536;

    /**
     * The pool keys {@code pool add} and {@code pool set} accept, in nutcracker's documentation order.
     * {@code servers} is not among them: servers are given with {@code server=}, {@code server+=} and
     * {@code server-=}.
     */
    public static final List<String> POOL_KEYS = List.of(
            "listen", "hash", "hash_tag", "distribution", "timeout", "backlog", "client_connections",
            "redis", "redis_auth", "redis_db", "preconnect", "auto_eject_hosts", "server_connections",
            "server_retry_timeout", "server_failure_limit", "tcpkeepalive", "reuseport");

    /** The answer to a request line longer than {@link #MAX_LINE_BYTES}, after {@code ERR }. */
    static final String LINE_TOO_LONG = "line too long (limit " + MAX_LINE_BYTES + " bytes)";

    /** The admin socket of a daemon run as root or with a system runtime directory. */
    public static final String SYSTEM_SOCKET = "/run/twd/admin.sock";

    // Pool names end up as YAML keys in the config file; this keeps them plain scalars.
    private static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    // Words echoed in error messages are cut here so a 64 KiB argument doesn't come back whole.
    private static final int SHOWN_MAX = 60;

    private AdminProtocol() {}

    /**
     * Where twd listens and twctl connects when no socket is given:
     * <ol>
     *   <li>{@value #SYSTEM_SOCKET} when running as root, or when {@code /run/twd} exists (a system
     *       service running as its own user gets it from systemd's {@code RuntimeDirectory=twd}, and
     *       root's twctl must then find the socket there);
     *   <li>else {@code $XDG_RUNTIME_DIR/twd/admin.sock} when that variable holds an absolute path;
     *   <li>else {@code /tmp/twd-<uid>/admin.sock}.
     * </ol>
     */
    public static String defaultSocketPath() {
        return defaultSocketPath(new UnixSystem().getUid(), System.getenv("XDG_RUNTIME_DIR"),
                Files.isDirectory(Path.of(SYSTEM_SOCKET).getParent()));
    }

    static String defaultSocketPath(long uid, String xdgRuntimeDir, boolean systemDirExists) {
        if (uid == 0 || systemDirExists) {
            return SYSTEM_SOCKET;
        }
        if (xdgRuntimeDir != null && xdgRuntimeDir.startsWith("/")) {
            return Path.of(xdgRuntimeDir, "twd", "admin.sock").toString();
        }
        return "/tmp/twd-" + uid + "/admin.sock";
    }

    /** Whether {@code name} may name a pool: 1 to 64 of {@code A-Z a-z 0-9 _ . -}. */
    public static boolean isValidPoolName(String name) {
        return POOL_NAME.matcher(name).matches();
    }

    /**
     * Splits a request line (without its line terminator) into words. Words are separated by runs of
     * spaces and tabs. Outside double quotes a backslash takes the next character literally; inside
     * them only {@code \"}, {@code \\}, {@code \n} and {@code \t} are escapes. Quoted and unquoted
     * parts join into one word ({@code key="a b"} is the word {@code key=a b}), and {@code ""} is an
     * empty word.
     *
     * @throws AdminSyntaxException for an unterminated quote, a trailing backslash or an unknown
     *     escape inside quotes; the message names the column (in code points, from 1)
     */
    public static List<String> tokenize(String line) throws AdminSyntaxException {
        List<String> words = new ArrayList<>();
        StringBuilder word = null; // null between words, so that "" still makes a word
        int column = 0;
        int i = 0;
        while (i < line.length()) {
            int c = line.codePointAt(i);
            i += Character.charCount(c);
            column++;
            if (c == ' ' || c == '\t') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                continue;
            }
            if (word == null) {
                word = new StringBuilder();
            }
            if (c == '\\') {
                if (i == line.length()) {
                    throw new AdminSyntaxException("trailing backslash at column " + column, column);
                }
                int next = line.codePointAt(i);
                i += Character.charCount(next);
                column++;
                word.appendCodePoint(next);
            } else if (c == '"') {
                int open = column;
                boolean closed = false;
                while (!closed && i < line.length()) {
                    c = line.codePointAt(i);
                    i += Character.charCount(c);
                    column++;
                    if (c == '"') {
                        closed = true;
                    } else if (c == '\\' && i < line.length()) {
                        int escaped = line.codePointAt(i);
                        i += Character.charCount(escaped);
                        column++;
                        word.appendCodePoint(unescape(escaped, column - 1));
                    } else if (c != '\\') {
                        word.appendCodePoint(c);
                    }
                    // A backslash as the very last character leaves the quote open: reported below.
                }
                if (!closed) {
                    throw new AdminSyntaxException("unterminated quote at column " + open, open);
                }
            } else {
                word.appendCodePoint(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    private static int unescape(int escaped, int column) throws AdminSyntaxException {
        return switch (escaped) {
            case '"', '\\' -> escaped;
            case 'n' -> '\n';
            case 't' -> '\t';
            default -> throw new AdminSyntaxException("invalid escape '\\" + shown(Character.toString(escaped))
                    + "' at column " + column + " (inside quotes use \\\" \\\\ \\n or \\t)", column);
        };
    }

    /**
     * Writes {@code word} so that {@link #tokenize} reads it back as one word: unchanged when it has no
     * space, tab, quote, backslash or line break and is not empty, else in double quotes with
     * {@code \" \\ \n \t} escaped. A carriage return stays raw inside the quotes (the grammar has no
     * escape for it); it is harmless there because a quoted word never ends a line with it.
     * Joining quoted words with spaces gives a line that tokenizes back to exactly those words.
     */
    public static String quote(String word) {
        if (!word.isEmpty() && word.chars().noneMatch(AdminProtocol::needsQuotes)) {
            return word;
        }
        StringBuilder out = new StringBuilder(word.length() + 2).append('"');
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static boolean needsQuotes(int c) {
        return c == ' ' || c == '\t' || c == '"' || c == '\\' || c == '\n' || c == '\r';
    }

    /**
     * A word as error messages show it: control characters as escapes, so the status line stays one
     * readable line, and cut after {@value #SHOWN_MAX} code points.
     */
    static String shown(String word) {
        StringBuilder out = new StringBuilder();
        int count = 0;
        for (int i = 0; i < word.length(); ) {
            int c = word.codePointAt(i);
            i += Character.charCount(c);
            if (++count > SHOWN_MAX) {
                return out.append("...").toString();
            }
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        out.append(String.format("\\u%04x", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
