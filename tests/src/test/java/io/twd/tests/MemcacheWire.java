package io.twd.tests;

import io.twd.tests.support.Memc;
import java.io.UncheckedIOException;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads whole memcached replies off a {@link Memc} connection by the shape the command's reply
 * has, so that a test can run a raw session (pipelined or one command at a time) and compare
 * transcripts: between twd and nutcracker, or twd and memcached itself.
 */
final class MemcacheWire {
    /** The shape of a command's reply. */
    enum Kind {
        /** One line. */
        LINE,
        /** VALUE blocks until END (or an error line). */
        RETRIEVAL,
        /** One line, or VA with a data block. */
        META,
        /** Nothing at all (noreply, quiet mode). */
        NONE
    }

    private MemcacheWire() {
    }

    /** The reply shape of a request, from its command line (the text before the first CRLF). */
    static Kind kindOf(String request) {
        String line = request.split("\r?\n", 2)[0].trim();
        String[] t = line.split(" +");
        switch (t[0]) {
            case "get": case "gets": case "gat": case "gats":
                return Kind.RETRIEVAL;
            case "mg": case "ms": case "md": case "ma": case "me": case "mn":
                return Kind.META;
            default:
                return t[t.length - 1].equals("noreply") ? Kind.NONE : Kind.LINE;
        }
    }

    /** One whole reply, CRLFs included, data blocks as ISO-8859-1 text. */
    static String read(Memc c, Kind kind) {
        if (kind == Kind.NONE) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        while (true) {
            String line = line(c);
            sb.append(line).append("\r\n");
            if (kind == Kind.LINE) {
                return sb.toString();
            }
            boolean error = line.equals("ERROR") || line.startsWith("CLIENT_ERROR") || line.startsWith("SERVER_ERROR");
            if (kind == Kind.RETRIEVAL && line.startsWith("VALUE ")) {
                sb.append(data(c, Integer.parseInt(line.split(" ")[3])));
            } else if (kind == Kind.META && line.startsWith("VA ")) {
                sb.append(data(c, Integer.parseInt(line.split(" ")[1])));
                return sb.toString();
            } else if (kind == Kind.META || error || line.equals("END")) {
                return sb.toString();
            } else {
                throw new IllegalStateException("unexpected line in a retrieval reply: " + line + " after " + sb);
            }
        }
    }

    private static String line(Memc c) {
        String line = c.readLine();
        if (line == null) {
            throw new UncheckedIOException(new EOFException("connection closed by peer"));
        }
        return line;
    }

    private static String data(Memc c, int n) {
        byte[] data = c.readBytes(n + 2);
        return new String(data, StandardCharsets.ISO_8859_1);
    }

    /** Sends each request and reads its reply before the next. */
    static List<String> oneByOne(Memc c, List<String> requests) {
        List<String> replies = new ArrayList<>();
        for (String r : requests) {
            c.sendRaw(r.getBytes(StandardCharsets.ISO_8859_1));
            replies.add(read(c, kindOf(r)));
        }
        return replies;
    }

    /** Sends all requests in one write, then reads the replies in order. */
    static List<String> pipelined(Memc c, List<String> requests) {
        c.sendRaw(String.join("", requests).getBytes(StandardCharsets.ISO_8859_1));
        List<String> replies = new ArrayList<>();
        for (String r : requests) {
            replies.add(read(c, kindOf(r)));
        }
        return replies;
    }

    /** {@code <command> <key> <flags> <exptime> <bytes>[ noreply]\r\n<data>\r\n} */
    static String store(String command, String key, int flags, String data, boolean noreply) {
        return command + " " + key + " " + flags + " 0 " + data.length() + (noreply ? " noreply" : "") + "\r\n" + data + "\r\n";
    }

    /** Replaces the cas unique of VALUE lines (which differs from run to run) with {@code <cas>}. */
    static String maskCas(String reply) {
        return reply.replaceAll("(?m)^(VALUE \\S+ \\d+ \\d+) \\d+(?=\r\n)", "$1 <cas>");
    }
}
