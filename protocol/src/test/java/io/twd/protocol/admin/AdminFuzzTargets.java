package io.twd.protocol.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzz targets for the admin protocol, run by {@code ProtocolPropertyTest} (generated inputs, in
 * CI) and {@code AdminRequestFuzzTest} (Jazzer, {@code -Pfuzz}).
 */
public final class AdminFuzzTargets {
    private AdminFuzzTargets() {
    }

    /**
     * One request line: {@link AdminRequest#parse} either returns a request (or null for a blank
     * line) or throws {@link AdminSyntaxException}, nothing else; a request written back with
     * {@code toLine()} parses to itself; every word quoted with {@link AdminProtocol#quote} splits
     * back to itself. The same bytes through {@link AdminLineReader} (twctl's framing) give lines
     * or AdminSyntaxException, and through {@link AdminResponse#read} responses or IOException.
     */
    public static void requestLine(byte[] data) {
        String line = new String(data, StandardCharsets.UTF_8);
        AdminRequest request;
        try {
            request = AdminRequest.parse(line);
        } catch (AdminSyntaxException e) {
            request = null;
        }
        if (request != null) {
            try {
                assertEquals(request, AdminRequest.parse(request.toLine()), "toLine() parses back: " + request.toLine());
            } catch (AdminSyntaxException e) {
                throw new AssertionError("toLine() of " + request + " does not parse: " + e.getMessage(), e);
            }
        }
        List<String> words;
        try {
            words = AdminProtocol.tokenize(line);
        } catch (AdminSyntaxException e) {
            words = List.of();
        }
        for (String w : words) {
            try {
                assertEquals(List.of(w), AdminProtocol.tokenize(AdminProtocol.quote(w)), "quote() of a word");
            } catch (AdminSyntaxException e) {
                throw new AssertionError("quote(" + w + ") does not tokenize: " + e.getMessage(), e);
            }
        }
        AdminLineReader reader = new AdminLineReader(new ByteArrayInputStream(data));
        try {
            for (int i = 0; i < 1000; i++) {
                try {
                    if (reader.readLine() == null) {
                        break;
                    }
                } catch (AdminSyntaxException e) {
                    // a bad line is skipped; the reader goes on with the next
                }
            }
        } catch (IOException e) {
            throw new AssertionError("AdminLineReader on a byte array: " + e, e);
        }
        BufferedReader in = new BufferedReader(new StringReader(line));
        try {
            for (int i = 0; i < 1000 && AdminResponse.read(in) != null; i++) {
                // responses or IOException, nothing else
            }
        } catch (IOException e) {
            // documented: malformed or cut-off responses
        }
    }

    static BufferedReader reader(byte[] data) {
        return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(data), StandardCharsets.UTF_8));
    }
}
