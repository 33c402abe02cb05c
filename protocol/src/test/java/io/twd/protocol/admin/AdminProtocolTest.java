package io.twd.protocol.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdminProtocolTest {

    private static List<String> words(String line) throws AdminSyntaxException {
        return AdminProtocol.tokenize(line);
    }

    private static AdminSyntaxException syntaxError(String line) {
        return assertThrows(AdminSyntaxException.class, () -> AdminProtocol.tokenize(line));
    }

    @Test
    void splitsOnRunsOfSpacesAndTabs() throws Exception {
        assertEquals(List.of("pool", "show", "alpha"), words("pool show alpha"));
        assertEquals(List.of("pool", "show", "alpha"), words("  pool \t\t show\talpha \t"));
        assertEquals(List.of(), words(""));
        assertEquals(List.of(), words(" \t "));
    }

    @Test
    void quotesKeepSpacesAndJoinWithTheirWord() throws Exception {
        assertEquals(List.of("server=10.0.0.2:6379:1 r2"), words("server=\"10.0.0.2:6379:1 r2\""));
        assertEquals(List.of("a b"), words("\"a b\""));
        assertEquals(List.of("ab c"), words("a\"b c\""));
        assertEquals(List.of("ab cd"), words("a\"b c\"d"));
        assertEquals(List.of("a\tb"), words("\"a\tb\""));
        assertEquals(List.of("x", "", "y"), words("x \"\" y"));
        assertEquals(List.of(""), words("\"\""));
        assertEquals(List.of(""), words("\"\"\"\""));
    }

    @Test
    void escapesInsideQuotes() throws Exception {
        assertEquals(List.of("say \"hi\""), words("\"say \\\"hi\\\"\""));
        assertEquals(List.of("back\\slash"), words("\"back\\\\slash\""));
        assertEquals(List.of("two\nlines"), words("\"two\\nlines\""));
        assertEquals(List.of("tab\there"), words("\"tab\\there\""));
    }

    @Test
    void backslashOutsideQuotesTakesTheNextCharacter() throws Exception {
        assertEquals(List.of("a b"), words("a\\ b"));
        assertEquals(List.of("\"x\""), words("\\\"x\\\""));
        assertEquals(List.of("n"), words("\\n"));
        assertEquals(List.of("a\\b"), words("a\\\\b"));
        assertEquals(List.of("a\tb"), words("a\\\tb"));
        assertEquals(List.of("€"), words("\\€"));
    }

    @Test
    void unicodePassesThrough() throws Exception {
        assertEquals(List.of("pool", "café", "日本", "😀x"), words("pool café 日本 😀x"));
        assertEquals(List.of("a 😀 b"), words("\"a 😀 b\""));
        // Only ASCII space and tab separate words.
        assertEquals(List.of("a\u00a0b", "c\u3000d"), words("a\u00a0b c\u3000d"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "pool add alpha x\"yz                | unterminated quote at column 17 | 17",
        "\"                                  | unterminated quote at column 1  | 1",
        "ping \"ab\\\"                       | unterminated quote at column 6  | 6",
        "ping \"ab\\                         | unterminated quote at column 6  | 6",
        "ping \"ok\" \"not ok                | unterminated quote at column 11 | 11",
        "ping \\                             | trailing backslash at column 6  | 6",
        "ping a\\                            | trailing backslash at column 7  | 7",
    })
    void syntaxErrorsNameTheColumn(String line, String message, int column) {
        AdminSyntaxException e = syntaxError(line.strip());
        assertEquals(message, e.getMessage());
        assertEquals(column, e.column());
    }

    @Test
    void unknownEscapeInsideQuotes() {
        AdminSyntaxException e = syntaxError("ping \"a\\qb\"");
        assertEquals("invalid escape '\\q' at column 8 (inside quotes use \\\" \\\\ \\n or \\t)", e.getMessage());
        assertEquals(8, e.column());
        assertEquals("invalid escape '\\r' at column 2 (inside quotes use \\\" \\\\ \\n or \\t)",
                syntaxError("\"\\r\"").getMessage());
    }

    @Test
    void columnsCountCodePoints() {
        // The emoji is two Java chars but one column.
        assertEquals("unterminated quote at column 8", syntaxError("ping 😀 \"x").getMessage());
        assertEquals("trailing backslash at column 4", syntaxError("é😀é\\").getMessage());
    }

    @Test
    void quoteOnlyWhenNeeded() {
        assertEquals("alpha", AdminProtocol.quote("alpha"));
        assertEquals("listen=127.0.0.1:22121", AdminProtocol.quote("listen=127.0.0.1:22121"));
        assertEquals("café'#;", AdminProtocol.quote("café'#;"));
        assertEquals("\"\"", AdminProtocol.quote(""));
        assertEquals("\"a b\"", AdminProtocol.quote("a b"));
        assertEquals("\"a\\tb\"", AdminProtocol.quote("a\tb"));
        assertEquals("\"say \\\"hi\\\"\"", AdminProtocol.quote("say \"hi\""));
        assertEquals("\"a\\\\b\"", AdminProtocol.quote("a\\b"));
        assertEquals("\"a\\nb\"", AdminProtocol.quote("a\nb"));
        assertEquals("\"a\r\"", AdminProtocol.quote("a\r"));
    }

    // Characters that stress the grammar, plus ordinary and non-BMP text.
    private static final String[] ALPHABET = {
        " ", "\t", "\"", "\\", "=", "\n", "\r", "a", "Z", "0", ":", "+", "-", "'", "#", ";",
        "é", "€", "日", "😀", "\u0000", "\u00a0", "\u2028"};

    private static String randomWord(Random random, int maxLength) {
        StringBuilder word = new StringBuilder();
        for (int n = random.nextInt(maxLength + 1); n > 0; n--) {
            word.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return word.toString();
    }

    @Test
    void quoteAndTokenizeRoundTripForRandomWords() throws Exception {
        Random random = new Random(20261124L);
        for (int i = 0; i < 20_000; i++) {
            List<String> words = new ArrayList<>();
            StringBuilder line = new StringBuilder(random.nextBoolean() ? "" : " \t");
            for (int n = random.nextInt(6); n > 0; n--) {
                String word = randomWord(random, 10);
                words.add(word);
                line.append(AdminProtocol.quote(word)).append(random.nextBoolean() ? " " : "\t ");
            }
            String text = line.toString();
            assertFalse(text.contains("\n"), text);
            assertFalse(text.endsWith("\r"), text);
            assertEquals(words, AdminProtocol.tokenize(text), text);
        }
    }

    @Test
    void tokenizeFailsOnlyWithSyntaxErrors() {
        Random random = new Random(7L);
        for (int i = 0; i < 20_000; i++) {
            String line = randomWord(random, 20);
            try {
                AdminProtocol.tokenize(line);
            } catch (AdminSyntaxException e) {
                assertTrue(e.column() >= 1 && e.column() <= line.codePointCount(0, line.length()), line);
            }
        }
    }

    @Test
    void poolNames() {
        assertTrue(AdminProtocol.isValidPoolName("alpha"));
        assertTrue(AdminProtocol.isValidPoolName("A-z_0.9"));
        assertTrue(AdminProtocol.isValidPoolName("x".repeat(64)));
        assertFalse(AdminProtocol.isValidPoolName("x".repeat(65)));
        assertFalse(AdminProtocol.isValidPoolName(""));
        assertFalse(AdminProtocol.isValidPoolName("a b"));
        assertFalse(AdminProtocol.isValidPoolName("a:b"));
        assertFalse(AdminProtocol.isValidPoolName("café"));
        assertFalse(AdminProtocol.isValidPoolName("a\n"));
    }

    @Test
    void poolKeysAreNutcrackersMinusServers() {
        assertEquals(17, AdminProtocol.POOL_KEYS.size());
        assertTrue(AdminProtocol.POOL_KEYS.contains("server_failure_limit"));
        assertFalse(AdminProtocol.POOL_KEYS.contains("servers"));
    }

    @Test
    void defaultSocketPath() {
        assertEquals("/run/twd/admin.sock", AdminProtocol.defaultSocketPath(0, "/run/user/0", false));
        assertEquals("/run/twd/admin.sock", AdminProtocol.defaultSocketPath(1000, "/run/user/1000", true));
        assertEquals("/run/user/1000/twd/admin.sock", AdminProtocol.defaultSocketPath(1000, "/run/user/1000", false));
        assertEquals("/tmp/twd-1000/admin.sock", AdminProtocol.defaultSocketPath(1000, null, false));
        assertEquals("/tmp/twd-1000/admin.sock", AdminProtocol.defaultSocketPath(1000, "", false));
        assertEquals("/tmp/twd-1000/admin.sock", AdminProtocol.defaultSocketPath(1000, "relative", false));
        assertTrue(AdminProtocol.defaultSocketPath().endsWith("/admin.sock"));
    }

    @Test
    void shownWordsAreOneLineAndShort() {
        assertEquals("a\\nb\\tc\\r\\u0000", AdminProtocol.shown("a\nb\tc\r\u0000"));
        assertEquals("x".repeat(60) + "...", AdminProtocol.shown("x".repeat(61)));
        assertEquals("😀".repeat(60), AdminProtocol.shown("😀".repeat(60)));
    }
}
