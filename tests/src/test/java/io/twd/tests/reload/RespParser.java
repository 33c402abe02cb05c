package io.twd.tests.reload;

import io.twd.tests.support.Resp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses RESP2 replies out of a byte array that may end in the middle of one (non-blocking
 * clients). Types as {@link Resp#read()}: {@code String}, {@link Resp.Error}, {@code Long},
 * {@code List<Object>}, null.
 */
final class RespParser {
    /** Returned when the bytes end before the reply does; the position is then meaningless. */
    static final Object INCOMPLETE = new Object();

    private RespParser() {
    }

    /** Parses one reply from {@code buf[pos[0] .. len)}, advancing {@code pos[0]} past it. */
    static Object parse(byte[] buf, int len, int[] pos) {
        int eol = lineEnd(buf, len, pos[0]);
        if (eol < 0) return INCOMPLETE;
        byte type = buf[pos[0]];
        String line = new String(buf, pos[0] + 1, eol - pos[0] - 1, StandardCharsets.UTF_8);
        pos[0] = eol + 2;
        switch (type) {
            case '+':
                return line;
            case '-':
                return new Resp.Error(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) return null;
                if (pos[0] + n + 2 > len) return INCOMPLETE;
                String s = new String(buf, pos[0], n, StandardCharsets.UTF_8);
                pos[0] += n + 2;
                return s;
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) return null;
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    Object o = parse(buf, len, pos);
                    if (o == INCOMPLETE) return INCOMPLETE;
                    items.add(o);
                }
                return items;
            }
            default:
                throw new IllegalStateException("protocol error: unexpected reply line '" + (char) type + line + "'");
        }
    }

    private static int lineEnd(byte[] buf, int len, int from) {
        for (int i = from; i + 1 < len; i++) {
            if (buf[i] == '\r' && buf[i + 1] == '\n') return i;
        }
        return -1;
    }
}
