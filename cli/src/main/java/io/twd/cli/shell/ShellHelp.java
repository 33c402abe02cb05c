package io.twd.cli.shell;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** {@code help} alone in the shell: every command with its first sentence, then the keys. */
final class ShellHelp {
    private ShellHelp() {}

    static void print(CommandLine commands, PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        collect(commands, rows);
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        out.println("Commands (the same as on the command line, without 'twctl'):");
        for (String[] row : rows) {
            out.println("  " + row[0] + " ".repeat(width - row[0].length()) + "  " + row[1]);
        }
        out.println("  " + "exit".concat(" ".repeat(Math.max(0, width - 4))) + "  Leave the shell (or Ctrl-D).");
        out.println();
        out.println("'help COMMAND' shows a command's options, e.g. 'help pool add'. Tab completes commands,");
        out.println("options, pool and server names and values; Up and Down walk the history; Ctrl-R searches it.");
        out.println("-s, -o and -w given to the shell apply to every command; give them again to override.");
        out.flush();
    }

    private static void collect(CommandLine cmd, List<String[]> rows) {
        for (CommandLine sub : cmd.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.usageMessage().hidden() || spec.name().equals("shell")) {
                continue;
            }
            if (sub.getSubcommands().isEmpty()) {
                String[] description = spec.usageMessage().description();
                String first = description.length > 0 ? description[0] : "";
                int dot = first.indexOf(". ");
                rows.add(new String[] {spec.qualifiedName().replaceFirst("^twctl ", ""),
                    dot < 0 ? first : first.substring(0, dot + 1)});
            } else {
                collect(sub, rows);
            }
        }
    }
}
