package io.twd.cli;

import io.twd.cli.commands.ConfigCommand;
import io.twd.cli.commands.HelpCommand;
import io.twd.cli.commands.ManPageCommand;
import io.twd.cli.commands.PingCommand;
import io.twd.cli.commands.PoolCommand;
import io.twd.cli.commands.ReloadCommand;
import io.twd.cli.commands.ShellCommand;
import io.twd.cli.commands.StatsCommand;
import io.twd.cli.commands.StatusCommand;
import io.twd.cli.commands.UpgradeCommand;
import io.twd.cli.shell.Shell;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ScopeType;

/**
 * {@code twctl}: the top of the command tree. It holds the shared options and, inside the shell, the
 * prompter; every command reaches them through {@code spec.root()}. Alone, it opens the shell.
 */
@Command(name = "twctl", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = Twctl.Version.class, usageHelpAutoWidth = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Control a running twd: pools, reload, upgrade, configuration, statistics.",
            "Without a command, opens the interactive shell."},
        subcommands = {StatusCommand.class, PingCommand.class, PoolCommand.class, ReloadCommand.class,
            UpgradeCommand.class, ConfigCommand.class, StatsCommand.class, ShellCommand.class, HelpCommand.class,
            AutoComplete.GenerateCompletion.class, ManPageCommand.class})
public final class TwctlCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    private Prompter prompter;

    public ClientOptions client() {
        return client;
    }

    /** The shell's prompter, or null outside the shell: then nothing ever prompts. */
    public Prompter prompter() {
        return prompter;
    }

    public void prompter(Prompter prompter) {
        this.prompter = prompter;
    }

    @Override
    public Integer call() {
        if (prompter != null) {
            throw TwctlException.usage("already in the shell");
        }
        return Shell.run(this);
    }
}
