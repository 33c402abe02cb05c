package io.twd.protocol.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.protocol.admin.AdminCommands.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AdminCommandsTest {

    @Test
    void everyRequestTypeHasACommandWhoseExampleParses() throws Exception {
        Set<Class<?>> covered = new HashSet<>();
        for (Command command : AdminCommands.all()) {
            AdminRequest request = AdminRequest.parse(command.example());
            assertTrue(request.toLine().startsWith(command.name()), command.name());
            assertTrue(command.usage().startsWith(command.name()), command.name());
            covered.add(request.getClass());
        }
        assertEquals(Set.of(AdminRequest.class.getPermittedSubclasses()), covered);
        assertEquals(AdminRequest.class.getPermittedSubclasses().length, AdminCommands.all().size());
    }

    @Test
    void everyCommandIsATopicOfHelp() throws Exception {
        for (Command command : AdminCommands.all()) {
            assertEquals(new AdminRequest.Help(command.name()), AdminRequest.parse("help " + command.name()));
        }
    }

    @Test
    void commandList() {
        List<String> lines = AdminCommands.help().lines().toList();
        assertEquals(AdminCommands.all().size() + 1, lines.size());
        assertEquals("ping          Check that the daemon answers.", lines.get(1));
        assertEquals("config check  Validate a config file without applying it.", lines.get(10));
        assertEquals("Type 'help COMMAND' for its usage and details.", lines.get(lines.size() - 1));
        lines.forEach(line -> assertTrue(line.length() <= 78, line));
    }

    @Test
    void commandHelp() {
        String ping = AdminCommands.help("ping").orElseThrow();
        assertEquals("usage: ping\n"
                + "  Answers 'OK pong'. Meant for scripts and health checks; never waits for a\n"
                + "  change in progress.\n"
                + "  example: ping", ping);
        String pool = AdminCommands.help("pool").orElseThrow();
        assertEquals(5, pool.lines().filter(line -> line.startsWith("usage: pool ")).count());
        assertEquals(2, AdminCommands.help("config").orElseThrow().lines().filter(l -> l.startsWith("usage:")).count());
        for (Command command : AdminCommands.all()) {
            String help = AdminCommands.help(command.name()).orElseThrow();
            assertTrue(help.startsWith("usage: " + command.usage() + "\n"), help);
            help.lines().forEach(line -> assertFalse(line.isBlank(), "no blank body lines"));
            help.lines().filter(line -> !line.startsWith("usage:") && !line.startsWith("  example:"))
                    .forEach(line -> assertTrue(line.length() <= 78, line));
        }
        assertEquals(Optional.empty(), AdminCommands.help("foo"));
        assertEquals(Optional.empty(), AdminCommands.help("poo"));
        assertEquals(Optional.empty(), AdminCommands.help(""));
        assertEquals(Optional.empty(), AdminCommands.help("pool lis"));
    }

    @Test
    void find() {
        assertEquals("pool show NAME", AdminCommands.find("pool show").orElseThrow().usage());
        assertEquals(Optional.empty(), AdminCommands.find("pool"));
    }

    @Test
    void completions() {
        assertEquals(12, AdminCommands.completions("hash").size());
        assertTrue(AdminCommands.completions("hash").contains("fnv1a_64"));
        assertEquals(List.of("ketama", "modula", "random"), AdminCommands.completions("distribution"));
        assertEquals(List.of("true", "false"), AdminCommands.completions("auto_eject_hosts"));
        assertEquals(List.of(), AdminCommands.completions("timeout"));
    }

    /** The man page and the protocol document, found from the module directory the tests run in. */
    private static String document(String relative) throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(relative))) {
                return Files.readString(dir.resolve(relative));
            }
        }
        throw new IOException(relative + " not found above " + Path.of("").toAbsolutePath());
    }

    // Enough roff to read the man page's usage lines as text: font changes and escaped characters.
    private static String roffText(String roff) {
        return roff.replaceAll("\\\\f[BIRP]", "").replace("\\-", "-").replace("\\(dq", "\"")
                .replace("\\(aq", "'").replace("\\&", "").replace("\\e", "\\");
    }

    @Test
    void theDocumentsDescribeEveryCommandAndKey() throws IOException {
        String markdown = document("docs/admin-protocol.md");
        List<String> manLines = roffText(document("man/twd-admin.7")).lines().toList();
        for (Command command : AdminCommands.all()) {
            assertTrue(markdown.contains("\n### " + command.usage() + "\n"), "docs: " + command.usage());
            assertTrue(manLines.contains(command.usage()), "man: " + command.usage());
        }
        // The help transcripts show what the daemon really answers.
        assertTrue(markdown.contains("> help\n" + AdminResponse.ok(null, List.of(AdminCommands.help())).encode()));
        assertTrue(markdown.contains("> help pool del\n"
                + AdminResponse.ok(null, List.of(AdminCommands.help("pool del").orElseThrow())).encode()));
        String man = String.join("\n", manLines);
        for (String key : AdminProtocol.POOL_KEYS) {
            assertTrue(markdown.contains("\"" + key + "\""), "docs: " + key);
            assertTrue(man.contains(".BR " + key + " ,") || man.contains(".BR " + key + " ."), "man: " + key);
        }
    }

    @Test
    void theDocumentedRequestsGetTheDocumentedAnswers() throws IOException {
        String markdown = document("docs/admin-protocol.md");
        int checked = 0;
        // Transcripts: "> request" then the status line. Errors of the daemon itself (no such pool,
        // invalid hash) are not the grammar's; every line the grammar rejects must show its message.
        List<String> lines = markdown.lines().toList();
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("> ")) {
                checked += checkDocumented(lines.get(i).substring(2), lines.get(i + 1));
            }
        }
        Matcher row = Pattern.compile("(?m)^\\| `(.*)` \\| `(ERR .*)` \\|$").matcher(markdown);
        while (row.find()) {
            checked += checkDocumented(row.group(1), row.group(2));
        }
        assertTrue(checked > 40, "checked " + checked);
    }

    private static int checkDocumented(String request, String status) {
        try {
            AdminRequest.parse(request);
            assertTrue(status.startsWith("OK") || status.startsWith("ERR "), request);
        } catch (AdminSyntaxException e) {
            assertEquals(status, "ERR " + e.getMessage(), request);
        }
        return 1;
    }
}
