package io.twd.cli.shell;

import io.twd.cli.Exit;
import io.twd.cli.TwctlCommand;
import io.twd.cli.Twctl;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jline.keymap.KeyMap;
import org.jline.reader.Binding;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.Parser;
import org.jline.reader.Reference;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The interactive shell: one twctl command per line, run by the same command tree as the command
 * line, so everything behaves the same; only errors do not end it. The options given to the shell
 * itself ({@code twctl -s PATH shell}) become every line's defaults.
 *
 * <p>With stdin not a terminal ({@code twctl < script}) it runs the lines without prompting and
 * stops at the first failing one, with its exit status, like {@code sh -e}.
 */
public final class Shell {
    /** Environment variable that moves the history file from {@code ~/.twctl_history}. */
    public static final String HISTORY_ENV = "TWCTL_HISTORY";

    private final TwctlCommand outer;
    private final TwctlCommand root = new TwctlCommand();
    private final CommandLine commands = Twctl.commandLine(root);
    private final Parser parser = new DefaultParser().escapeChars(new char[] {'\\'});

    private Shell(TwctlCommand outer) {
        this.outer = outer;
        Map<String, String> given = outer.client().given();
        commands.setDefaultValueProvider(arg -> arg instanceof OptionSpec o ? given.get(o.longestName()) : null);
    }

    /** Runs the shell for a {@code twctl [options] [shell]} whose options are in {@code outer}. */
    public static int run(TwctlCommand outer) {
        Shell shell = new Shell(outer);
        try {
            return System.console() != null ? shell.interactive() : shell.batch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int interactive() throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            LiveNames live = new LiveNames(outer.client());
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("twctl")
                    .parser(parser)
                    .completer(new ShellCompleter(commands.getCommandSpec(), live))
                    .variable(LineReader.HISTORY_FILE, historyFile())
                    .variable(LineReader.HISTORY_FILE_SIZE, 10_000)
                    .option(LineReader.Option.HISTORY_IGNORE_DUPS, true)
                    .build();
            // Arrows send ESC O A in the keypad mode jline asks for, but ESC [ A from terminals (or
            // multiplexers) that ignore it: recall history with both.
            KeyMap<Binding> keys = reader.getKeyMaps().get(LineReader.MAIN);
            keys.bind(new Reference(LineReader.UP_LINE_OR_HISTORY), "\033[A", "\033OA");
            keys.bind(new Reference(LineReader.DOWN_LINE_OR_HISTORY), "\033[B", "\033OB");
            PrintWriter out = terminal.writer();
            commands.setOut(out);
            commands.setErr(out);
            root.prompter(new LinePrompter(terminal));
            out.println("twctl " + Twctl.VERSION + " shell on " + outer.client().socketPath()
                    + ". Tab completes; 'help' lists the commands; Ctrl-D or 'exit' leaves.");
            out.flush();
            while (true) {
                String line;
                try {
                    line = reader.readLine(prompt(live.generation()));
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C drops the line being typed
                } catch (EndOfFileException e) {
                    break;
                }
                List<String> words = reader.getParsedLine().words().stream().filter(w -> !w.isEmpty()).toList();
                if (words.isEmpty()) {
                    continue;
                }
                if (ShellCompleter.SHELL_WORDS.contains(words.get(0))) {
                    break;
                }
                if (words.equals(List.of("help"))) {
                    ShellHelp.print(commands, out);
                    continue;
                }
                commands.execute(words.toArray(String[]::new));
            }
            reader.getHistory().save();
            return Exit.OK;
        }
    }

    private int batch() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            List<String> words = parser.parse(line, line.length(), Parser.ParseContext.ACCEPT_LINE).words()
                    .stream().filter(w -> !w.isEmpty()).toList();
            if (words.isEmpty() || words.get(0).startsWith("#")) {
                continue;
            }
            if (ShellCompleter.SHELL_WORDS.contains(words.get(0))) {
                break;
            }
            int status = commands.execute(words.toArray(String[]::new));
            if (status != Exit.OK) {
                return status;
            }
        }
        return Exit.OK;
    }

    static String prompt(OptionalLong generation) {
        return generation.isPresent() ? "twd[gen " + generation.getAsLong() + "]> " : "twd[no daemon]> ";
    }

    static Path historyFile() {
        String moved = System.getenv(HISTORY_ENV);
        return moved != null && !moved.isEmpty()
                ? Path.of(moved) : Path.of(System.getProperty("user.home"), ".twctl_history");
    }
}
