package io.twd.daemon.internal.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The daemon's admin framing at a small --admin-max-line, against the reference's rules. */
class AdminLineDecoderTest {
    private static List<String> frame(String input, int... chunks) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        return AdminFramingFuzzTargets.daemon(bytes, 8, chunks.length == 0 ? new int[] {bytes.length} : chunks);
    }

    @Test
    void theLimitCountsTheLineWithoutItsTerminator() {
        String tooLong = "error: line too long (limit 8 bytes)";
        assertEquals(List.of("line: 12345678"), frame("12345678\n"));
        assertEquals(List.of("line: 12345678"), frame("12345678\r\n"));
        assertEquals(List.of(tooLong, "line: ping"), frame("123456789\nping\n"));
        assertEquals(List.of(tooLong, "line: ping"), frame("123456789\r\nping\n"));
        assertEquals(List.of(tooLong, "line: ping"), frame("1234567890123\nping\n"));
        // The CR of a line at the limit arrives before its LF: not too long.
        assertEquals(List.of("line: 12345678", "line: x"), frame("12345678\r\nx\n", 9, 1, 2));
        assertEquals(List.of(tooLong, "line: x"), frame("123456789\r\nx\n", 10, 1, 2));
    }
}
