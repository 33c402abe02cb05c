package io.twd.protocol.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdminResponseTest {

    private static BufferedReader reader(String wire) {
        return new BufferedReader(new StringReader(wire));
    }

    private static AdminResponse roundTrip(AdminResponse response) throws IOException {
        BufferedReader in = reader(response.encode());
        AdminResponse read = AdminResponse.read(in);
        assertEquals(response, read);
        assertNull(AdminResponse.read(in), "one response, nothing after it");
        return read;
    }

    @Test
    void encodings() {
        assertEquals("OK\n\n", AdminResponse.OK.encode());
        assertEquals("OK pong\n\n", AdminResponse.ok("pong").encode());
        assertEquals("OK\nalpha\nbeta\n\n", AdminResponse.ok(null, List.of("alpha", "beta")).encode());
        assertEquals("ERR unknown command 'foo' (try 'help')\n\n",
                AdminResponse.err("unknown command 'foo' (try 'help')").encode());
        assertEquals("ERR config check: 2 problems\nline 3: x\nline 9: y\n\n",
                AdminResponse.err("config check: 2 problems", List.of("line 3: x", "line 9: y")).encode());
    }

    @Test
    void roundTrips() throws IOException {
        roundTrip(AdminResponse.OK);
        roundTrip(AdminResponse.ok("pong"));
        roundTrip(AdminResponse.ok("  leading and trailing  "));
        roundTrip(AdminResponse.ok(null, List.of("alpha:", "  listen: 127.0.0.1:22121", "  servers:",
                "   - 127.0.0.1:6379:1 r1")));
        roundTrip(AdminResponse.ok("3 pools", List.of("{\"service\":\"nutcracker\", \"a\": {\"b\": 1}}")));
        roundTrip(AdminResponse.err("busy: 'upgrade' is being applied"));
        roundTrip(AdminResponse.err("OK is not a prefix here", List.of("ERR", "OK", "x")));
        roundTrip(AdminResponse.ok("unicode é 😀", List.of("日本")));
    }

    @Test
    void lineBreaksInTextBecomeSpaces() {
        assertEquals("OK a b  c\n\n", AdminResponse.ok("a\nb\r\nc").encode());
        assertEquals("ERR x y\n\n", AdminResponse.err("x\ry").encode());
    }

    @Test
    void emptyTextIsNoText() {
        assertEquals(AdminResponse.OK, AdminResponse.ok(""));
        assertNull(AdminResponse.ok("").text());
        assertThrows(IllegalArgumentException.class, () -> AdminResponse.err(""));
        assertThrows(IllegalArgumentException.class, () -> AdminResponse.err(null));
    }

    @Test
    void bodyElementsAreSplitAndNeverEmpty() throws IOException {
        AdminResponse response = AdminResponse.ok(null, List.of("usage: x\n  does y\n", "", "a\r\n\nb\rc"));
        assertEquals(List.of("usage: x", "  does y", " ", "a", " ", "b", "c"), response.body());
        assertEquals("OK\nusage: x\n  does y\n \na\n \nb\nc\n\n", response.encode());
        roundTrip(response);
        assertEquals(List.of(), AdminResponse.ok("x", null).body());
        assertThrows(NullPointerException.class, () -> AdminResponse.ok("x", java.util.Arrays.asList("a", null)));
    }

    @Test
    void responsesFollowEachOther() throws IOException {
        BufferedReader in = reader("OK pong\n\nOK\na\n\nERR no\n\n");
        assertEquals(AdminResponse.ok("pong"), AdminResponse.read(in));
        assertEquals(AdminResponse.ok(null, List.of("a")), AdminResponse.read(in));
        assertEquals(AdminResponse.err("no"), AdminResponse.read(in));
        assertNull(AdminResponse.read(in));
    }

    @Test
    void crlfFromTheWireIsAccepted() throws IOException {
        assertEquals(AdminResponse.ok("pong", List.of("x")), AdminResponse.read(reader("OK pong\r\nx\r\n\r\n")));
    }

    @Test
    void endOfStreamInTheMiddleOfAResponse() {
        EOFException e = assertThrows(EOFException.class, () -> AdminResponse.read(reader("OK\nalpha\nbeta\n")));
        assertEquals("admin connection closed in the middle of a response (after 'OK' and 2 body lines)",
                e.getMessage());
        e = assertThrows(EOFException.class, () -> AdminResponse.read(reader("ERR busy")));
        assertTrue(e.getMessage().contains("after 'ERR busy' and 0 body lines"), e.getMessage());
    }

    @Test
    void malformedStatusLines() {
        for (String wire : List.of("PONG\n\n", "ok\n\n", "ERR\n\n", "ERR \n\n", "OKAY\n\n", "\n\n")) {
            IOException e = assertThrows(IOException.class, () -> AdminResponse.read(reader(wire)), wire);
            assertTrue(e.getMessage().startsWith("malformed admin response: status line '"), e.getMessage());
        }
    }

    @Test
    void randomResponsesRoundTrip() throws IOException {
        String[] alphabet = {"a", " ", "\n", "\r", "\r\n", "é", "😀", "OK", "ERR", ":", "{", "\t"};
        Random random = new Random(3L);
        StringBuilder wire = new StringBuilder();
        List<AdminResponse> sent = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            List<String> body = new ArrayList<>();
            for (int n = random.nextInt(4); n > 0; n--) {
                StringBuilder line = new StringBuilder();
                for (int k = random.nextInt(6); k > 0; k--) {
                    line.append(alphabet[random.nextInt(alphabet.length)]);
                }
                body.add(line.toString());
            }
            String text = "t" + alphabet[random.nextInt(alphabet.length)];
            AdminResponse response = random.nextBoolean() ? AdminResponse.ok(text, body) : AdminResponse.err(text, body);
            sent.add(response);
            wire.append(response.encode());
        }
        BufferedReader in = reader(wire.toString());
        for (AdminResponse response : sent) {
            assertEquals(response, AdminResponse.read(in));
        }
        assertNull(AdminResponse.read(in));
    }
}
