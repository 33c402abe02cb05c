package io.twd.protocol.admin;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The daemon's answer to one request: a status line ({@code OK}, {@code OK text} or
 * {@code ERR reason}), zero or more body lines, and an empty line that ends it.
 *
 * <p>Because the empty line is the only delimiter, the constructor makes every response encodable
 * as it is, and {@code read(encode(r))} gives back an equal response:
 * <ul>
 *   <li>line breaks (CR, LF) in {@code text} become spaces, and an empty {@code text} becomes null;
 *   <li>a body element is split at its line breaks into several body lines (a final line break
 *       adds no line), and a body line that would be empty becomes a single space.
 * </ul>
 * So a body may be given as one multi-line string; bodies that matter to programs (JSON, YAML)
 * should simply have no blank lines.
 *
 * @param ok true for {@code OK}, false for {@code ERR}
 * @param text what follows {@code OK } (may be null) or {@code ERR } (required)
 * @param body the body lines, never null, never containing an empty line or a line break
 */
public record AdminResponse(boolean ok, String text, List<String> body) {

    /**
     * {@code OK} with no text and no body. (A constant rather than a method {@code ok()}: that name is
     * the accessor of the {@code ok} component.)
     */
    public static final AdminResponse OK = new AdminResponse(true, null, List.of());

    public AdminResponse {
        if (text != null) {
            text = text.replace('\r', ' ').replace('\n', ' ');
            if (text.isEmpty()) {
                text = null;
            }
        }
        if (!ok && text == null) {
            throw new IllegalArgumentException("an ERR response needs a reason");
        }
        body = bodyLines(body);
    }

    /** {@code OK text}, e.g. {@code OK pong}. */
    public static AdminResponse ok(String text) {
        return new AdminResponse(true, text, List.of());
    }

    /** {@code OK text} (text may be null) followed by {@code body}. */
    public static AdminResponse ok(String text, List<String> body) {
        return new AdminResponse(true, text, body);
    }

    /** {@code ERR reason}. */
    public static AdminResponse err(String reason) {
        return new AdminResponse(false, reason, List.of());
    }

    /** {@code ERR reason} with details, e.g. one config problem per body line. */
    public static AdminResponse err(String reason, List<String> body) {
        return new AdminResponse(false, reason, body);
    }

    /** The response on the wire: status line, body lines, empty line, each ended by {@code \n}. */
    public String encode() {
        StringBuilder out = new StringBuilder(ok ? "OK" : "ERR");
        if (text != null) {
            out.append(' ').append(text);
        }
        out.append('\n');
        for (String line : body) {
            out.append(line).append('\n');
        }
        return out.append('\n').toString();
    }

    /**
     * Reads one response, as a client does after sending a request.
     *
     * @return the response, or {@code null} if the stream ends before its first byte (the daemon
     *     closed the connection between responses, e.g. after {@code quit})
     * @throws EOFException if the stream ends after the status line but before the empty line
     * @throws IOException if the status line is neither {@code OK} nor {@code ERR}, or on a read error
     */
    public static AdminResponse read(BufferedReader in) throws IOException {
        String status = in.readLine();
        if (status == null) {
            return null;
        }
        boolean ok;
        String text;
        if (status.equals("OK")) {
            ok = true;
            text = null;
        } else if (status.startsWith("OK ")) {
            ok = true;
            text = status.substring(3);
        } else if (status.startsWith("ERR ") && status.length() > 4) {
            ok = false;
            text = status.substring(4);
        } else {
            throw new IOException("malformed admin response: status line '" + AdminProtocol.shown(status)
                    + "' is neither 'OK [text]' nor 'ERR reason'");
        }
        List<String> body = new ArrayList<>();
        for (String line = in.readLine(); !"".equals(line); line = in.readLine()) {
            if (line == null) {
                throw new EOFException("admin connection closed in the middle of a response (after '"
                        + AdminProtocol.shown(status) + "' and " + body.size() + " body lines)");
            }
            body.add(line);
        }
        return new AdminResponse(ok, text, body);
    }

    private static List<String> bodyLines(List<String> body) {
        if (body == null) {
            return List.of();
        }
        List<String> lines = new ArrayList<>(body.size());
        for (String element : body) {
            Objects.requireNonNull(element, "body line");
            if (element.isEmpty()) {
                lines.add(" ");
            } else {
                element.lines().map(line -> line.isEmpty() ? " " : line).forEach(lines::add);
            }
        }
        return List.copyOf(lines);
    }
}
