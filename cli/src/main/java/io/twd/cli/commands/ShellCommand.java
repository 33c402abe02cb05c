package io.twd.cli.commands;

import io.twd.cli.TwctlCommand;
import io.twd.cli.TwctlException;
import io.twd.cli.shell.Shell;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code shell}: the interactive shell (also what {@code twctl} alone opens). The shell's classes,
 * and jline with them, are loaded only here, so one-shot commands start without them.
 */
@Command(name = "shell", description = {"Open the interactive shell (also what twctl alone does).",
        "Tab completes commands, options, pool and server names and values; the history is kept in"
            + " ~/.twctl_history ($TWCTL_HISTORY); the prompt shows the daemon's generation. pool add asks for what"
            + " is missing, pool set for changes, pool del for a confirmation. With stdin not a terminal, runs one"
            + " command per line and stops at the first that fails, with its exit status."})
public final class ShellCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        TwctlCommand root = (TwctlCommand) spec.root().userObject();
        if (root.prompter() != null) {
            throw TwctlException.usage("already in the shell");
        }
        return Shell.run(root);
    }
}
