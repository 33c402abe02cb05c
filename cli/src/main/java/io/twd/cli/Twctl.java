package io.twd.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;

/** Entry point: builds the command tree, runs it, exits with its status (see {@link Exit}). */
public final class Twctl {
    public static final String VERSION = "0.1.0";

    private Twctl() {}

    public static void main(String[] args) {
        System.exit(commandLine(new TwctlCommand()).execute(args));
    }

    /** The command tree with twctl's error handling and exit status list; the shell and the docs use it too. */
    public static CommandLine commandLine(TwctlCommand root) {
        CommandLine cmd = new CommandLine(root);
        ErrorHandler errors = new ErrorHandler(root);
        cmd.setExecutionExceptionHandler(errors);
        cmd.setParameterExceptionHandler(errors);
        cmd.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(true);
        Map<String, String> exitCodes = new LinkedHashMap<>();
        for (String entry : Exit.DESCRIPTIONS) {
            int colon = entry.indexOf(':');
            exitCodes.put(entry.substring(0, colon), entry.substring(colon + 1));
        }
        applyToAll(cmd, c -> c.getCommandSpec().usageMessage()
                .exitCodeListHeading("%nExit status:%n").exitCodeList(exitCodes));
        return cmd;
    }

    private static void applyToAll(CommandLine cmd, java.util.function.Consumer<CommandLine> action) {
        action.accept(cmd);
        cmd.getSubcommands().values().forEach(sub -> applyToAll(sub, action));
    }

    /** {@code twctl --version}. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"twctl " + VERSION};
        }
    }
}
