package io.twd.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.twd.cli.Twctl;
import io.twd.cli.TwctlCommand;
import io.twd.cli.doc.ManPage;
import io.twd.protocol.config.PoolConfig;
import io.twd.protocol.config.ServerSpec;
import io.twd.tests.support.Binaries;
import io.twd.tests.support.ManagedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * twctl's documentation is held to its command model: the generated parts of twctl(1) and the bash
 * completion script must be current, every command and option must be in the page, twd.conf(5) must
 * describe every pool key with its real default, and every page must render with man -l.
 */
class TwctlDocsTest {
    private static final Path ROOT = Path.of(System.getProperty("twd.root", "..")).toAbsolutePath().normalize();

    private static CommandLine model() {
        return Twctl.commandLine(new TwctlCommand());
    }

    @Test
    void twctlManPageIsGeneratedFromTheCommandModel() throws IOException {
        String page = Files.readString(ROOT.resolve("man/twctl.1"));
        assertEquals(ManPage.update(page, model()), page,
                "man/twctl.1 is out of date: run bin/twctl gen-manpage man/twctl.1");
    }

    @Test
    void twctlManPageNamesEveryCommandAndOption() throws IOException {
        String page = Files.readString(ROOT.resolve("man/twctl.1"));
        List<CommandSpec> leaves = new ArrayList<>();
        collectLeaves(model(), leaves);
        assertTrue(leaves.size() >= 13, "status, ping, pool x5, reload, upgrade, config x2, stats, shell, help: " + leaves.size());
        for (CommandSpec command : leaves) {
            assertTrue(page.contains(".SS \"" + ManPageEscape.of(command.qualifiedName())), command.qualifiedName());
            for (OptionSpec option : command.options()) {
                for (String name : option.names()) {
                    assertTrue(page.contains("\\fB" + ManPageEscape.of(name) + "\\fR"), command.qualifiedName() + " " + name);
                }
            }
        }
        for (String section : List.of("EXIT STATUS", "ENVIRONMENT", "INTERACTIVE SHELL", "TWCTL_SOCKET", "TWCTL_HISTORY")) {
            assertTrue(page.contains(section), section);
        }
    }

    @Test
    void twdConfDescribesEveryKeyWithItsDefault() throws IOException {
        String page = Files.readString(ROOT.resolve("man/twd.conf.5"));
        Map<String, String> defaults = new PoolConfig.Builder("p").set("listen", "127.0.0.1:1")
                .addServer(ServerSpec.parse("127.0.0.1:2:1")).build().attributes();
        for (String key : PoolConfig.keys()) {
            int start = page.indexOf("\n.TP\n.B " + key + "\n");
            assertTrue(start >= 0, "twd.conf(5) has no entry for " + key);
            int end = nextOf(page, start + 1, "\n.TP\n", "\n.SH ");
            String entry = page.substring(start, end);
            if (key.equals("listen") || key.equals("servers")) {
                assertTrue(entry.contains("Required"), key + ": " + entry);
            } else if (!defaults.containsKey(key)) {
                assertTrue(entry.contains("Default: none"), key + ": " + entry);
            } else {
                String value = ManPageEscape.of(defaults.get(key));
                assertTrue(entry.contains("Default:") && entry.contains(value), key + " default " + value + ": " + entry);
            }
        }
    }

    @Test
    void everyManPageRendersWithoutWarnings() {
        assumeTrue(Binaries.find("groff").isPresent(), "groff is needed to render man pages");
        for (String page : List.of("twctl.1", "twd.conf.5", "twd.8", "twd-admin.7")) {
            Path file = ROOT.resolve("man").resolve(page);
            ManagedProcess.Result groff = ManagedProcess.run("groff", Duration.ofSeconds(30),
                    List.of("groff", "-man", "-Tutf8", "-ww", "-z", file.toString()));
            assertEquals(0, groff.exitCode(), page + ": " + groff.output());
            assertEquals("", groff.stderr(), page + " has roff warnings");
            if (Binaries.find("man").isPresent()) {
                ManagedProcess.Result man = ManagedProcess.run("man", Duration.ofSeconds(30),
                        List.of("env", "MANPAGER=cat", "MANWIDTH=80", "man", "-l", file.toString()));
                assertEquals(0, man.exitCode(), page + ": " + man.output());
                assertTrue(man.stdout().contains("NAME"), page + ": " + man.stdout());
            }
        }
    }

    @Test
    void bashCompletionIsGeneratedFromTheCommandModel() throws IOException {
        String script = Files.readString(ROOT.resolve("bin/twctl-completion.bash"));
        // generate-completion prints the script with println: one line feed more.
        assertEquals(AutoComplete.bash("twctl", model()) + "\n", script,
                "bin/twctl-completion.bash is out of date: run bin/twctl generate-completion > bin/twctl-completion.bash");
    }

    @Test
    void bashCompletionCompletesCommandsOptionsAndValues() {
        assumeTrue(Binaries.find("bash").isPresent());
        assertEquals("add", complete("twctl pool a"));
        assertEquals("md5 murmur", complete("twctl pool add cache --hash m"));
        assertEquals("ketama modula random", complete("twctl pool set cache --distribution "));
        assertEquals("json", complete("twctl -o j"));
        assertEquals("--server-add --server-connections --server-failure-limit --server-remove --server-retry-timeout",
                complete("twctl pool set cache --server-"));
    }

    /** What the completion script offers for the last word of {@code line}, sorted, space-separated. */
    private static String complete(String line) {
        String script = "source " + ROOT.resolve("bin/twctl-completion.bash") + " 2>/dev/null\n"
                + "COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}\n"
                + "read -ra COMP_WORDS <<< \"$COMP_LINE\"; [[ \"$COMP_LINE\" == *' ' ]] && COMP_WORDS+=('')\n"
                + "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                + "_complete_twctl 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\" | sort | tr '\\n' ' '";
        ManagedProcess.Result r = ManagedProcess.run("bash", Duration.ofSeconds(30), List.of("bash", "-c", script));
        assertEquals(0, r.exitCode(), r.output());
        return r.stdout().trim();
    }

    private static void collectLeaves(CommandLine cmd, List<CommandSpec> leaves) {
        for (CommandLine sub : cmd.getSubcommands().values()) {
            if (sub.getCommandSpec().usageMessage().hidden()) {
                continue;
            }
            if (sub.getSubcommands().isEmpty()) {
                leaves.add(sub.getCommandSpec());
            } else {
                collectLeaves(sub, leaves);
            }
        }
    }

    private static int nextOf(String text, int from, String... markers) {
        int end = text.length();
        for (String marker : markers) {
            int at = text.indexOf(marker, from);
            if (at >= 0) {
                end = Math.min(end, at);
            }
        }
        return end;
    }

    /** roff's spelling of text: a backslash as \e, a minus as \-. */
    private static final class ManPageEscape {
        static String of(String text) {
            return text.replace("\\", "\\e").replace("-", "\\-");
        }
    }
}
