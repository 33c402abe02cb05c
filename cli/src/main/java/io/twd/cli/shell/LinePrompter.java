package io.twd.cli.shell;

import io.twd.cli.Prompter;
import io.twd.cli.TwctlException;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;

/**
 * Questions of the guided flows, on a reader of their own: answers go neither into the command
 * history nor through command completion. Ctrl-C or Ctrl-D cancels the command being built.
 */
final class LinePrompter implements Prompter {
    private final Terminal terminal;
    private final LineReader reader;

    LinePrompter(Terminal terminal) {
        this.terminal = terminal;
        this.reader = LineReaderBuilder.builder().terminal(terminal).build();
        reader.setVariable(LineReader.DISABLE_HISTORY, true);
    }

    @Override
    public String ask(String question) {
        try {
            return reader.readLine(question).trim();
        } catch (UserInterruptException | EndOfFileException e) {
            throw TwctlException.usage("cancelled; nothing was sent");
        }
    }

    @Override
    public void say(String line) {
        terminal.writer().println(line);
        terminal.writer().flush();
    }
}
