package io.twd.cli.commands;

import io.twd.cli.Exit;
import io.twd.cli.TwctlException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code help [COMMAND...]}: the usage of the whole tool or of one command, nested words included
 * ({@code help pool add}), which picocli's own help command does not take.
 */
@Command(name = "help", helpCommand = true, description = "Show the usage of twctl, or of a command: help pool add.")
public final class HelpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command words, e.g. pool add.")
    String[] words;

    @Override
    public Integer call() {
        CommandLine target = spec.root().commandLine();
        for (String word : words == null ? new String[0] : words) {
            CommandLine sub = target.getSubcommands().get(word);
            if (sub == null || sub.getCommandSpec().usageMessage().hidden()) {
                throw TwctlException.usage("help: no command '" + word + "' in '" + target.getCommandSpec().qualifiedName()
                        + "' (try 'help')");
            }
            target = sub;
        }
        target.usage(spec.commandLine().getOut(), spec.commandLine().getColorScheme());
        spec.commandLine().getOut().flush();
        return Exit.OK;
    }
}
