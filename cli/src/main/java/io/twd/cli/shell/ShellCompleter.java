package io.twd.cli.shell;

import java.util.ArrayList;
import java.util.List;
import org.jline.builtins.Completers.FileNameCompleter;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Tab completion from the picocli model: walks the words before the cursor down the command tree,
 * then offers what may come next there: subcommands, options, or the value of the option or
 * parameter at the cursor. Values come from the model ({@code --hash}, {@code --distribution},
 * {@code -o}), from the daemon (POOL parameters, {@code --server-remove} of the pool named on the
 * line) or from the file system (FILE, PATH). jline filters the candidates by what is typed.
 */
final class ShellCompleter implements Completer {
    /** Words the shell itself understands at the start of a line. */
    static final List<String> SHELL_WORDS = List.of("exit", "quit");

    private final CommandSpec root;
    private final LiveNames live;
    private final FileNameCompleter files = new FileNameCompleter();

    ShellCompleter(CommandSpec root, LiveNames live) {
        this.root = root;
        this.live = live;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        String current = line.word().substring(0, line.wordCursor());
        CommandSpec spec = root;
        OptionSpec awaiting = null; // an option whose value is the next word
        List<String> positionals = new ArrayList<>();
        for (String word : line.words().subList(0, line.wordIndex())) {
            if (awaiting != null) {
                awaiting = null;
            } else if (word.startsWith("-") && spec.findOption(nameOf(word)) != null) {
                OptionSpec option = spec.findOption(nameOf(word));
                awaiting = !word.contains("=") && option.arity().min() > 0 ? option : null;
            } else if (positionals.isEmpty() && subcommand(spec, word) != null) {
                spec = subcommand(spec, word);
            } else {
                positionals.add(word);
            }
        }
        if (awaiting != null) {
            values(awaiting, "", positionals, reader, line, candidates);
        } else if (current.startsWith("--") && current.contains("=")) {
            OptionSpec option = spec.findOption(nameOf(current));
            if (option != null) {
                values(option, nameOf(current) + "=", positionals, reader, line, candidates);
            }
        } else if (current.startsWith("-")) {
            options(spec, candidates);
        } else if (!spec.subcommands().isEmpty() && positionals.isEmpty()) {
            subcommands(spec, candidates);
            if (spec == root) {
                SHELL_WORDS.forEach(w -> candidates.add(new Candidate(w, w, null, "leave the shell", null, null, true)));
            }
        } else {
            List<PositionalParamSpec> params = spec.positionalParameters();
            if (positionals.size() < params.size() || (!params.isEmpty() && params.get(params.size() - 1).arity().isVariable())) {
                PositionalParamSpec param = params.get(Math.min(positionals.size(), params.size() - 1));
                values(param, "", positionals, reader, line, candidates);
            }
            if (candidates.isEmpty()) {
                options(spec, candidates);
            }
        }
    }

    private void values(ArgSpec arg, String prefix, List<String> positionals, LineReader reader, ParsedLine line,
            List<Candidate> candidates) {
        List<String> values = new ArrayList<>();
        String label = arg.paramLabel();
        if (label.equals("POOL")) {
            values.addAll(live.pools());
        } else if (label.equals("SERVER") && !positionals.isEmpty()) {
            values.addAll(live.servers(positionals.get(0)));
        } else if (label.equals("COMMAND")) {
            values.addAll(root.subcommands().keySet());
        } else if ((label.equals("FILE") || label.equals("PATH")) && prefix.isEmpty()) {
            files.complete(reader, line, candidates);
            return;
        } else if (arg.completionCandidates() != null) {
            arg.completionCandidates().forEach(values::add);
        } else if (arg.type() == Boolean.class || arg.type() == boolean.class) {
            values.addAll(List.of("true", "false"));
        }
        for (String value : values) {
            candidates.add(new Candidate(prefix + value, value, null, null, null, null, true));
        }
    }

    private static void options(CommandSpec spec, List<Candidate> candidates) {
        for (OptionSpec option : spec.options()) {
            if (option.hidden()) {
                continue;
            }
            String description = option.description().length > 0 ? option.description()[0] : null;
            for (String name : option.names()) {
                candidates.add(new Candidate(name, name, null, description, null, option.longestName(), true));
            }
        }
    }

    private static void subcommands(CommandSpec spec, List<Candidate> candidates) {
        spec.subcommands().forEach((name, sub) -> {
            CommandSpec s = sub.getCommandSpec();
            if (!s.usageMessage().hidden()) {
                String[] description = s.usageMessage().description();
                candidates.add(new Candidate(name, name, null,
                        description.length > 0 ? firstSentence(description[0]) : null, null, null, true));
            }
        });
    }

    private static CommandSpec subcommand(CommandSpec spec, String word) {
        CommandLine sub = spec.subcommands().get(word);
        return sub == null ? null : sub.getCommandSpec();
    }

    private static String nameOf(String optionWord) {
        int eq = optionWord.indexOf('=');
        return eq < 0 ? optionWord : optionWord.substring(0, eq);
    }

    private static String firstSentence(String text) {
        int dot = text.indexOf(". ");
        String first = dot < 0 ? text : text.substring(0, dot + 1);
        int colon = first.indexOf(": ");
        return colon < 0 ? first : first.substring(0, colon) + ".";
    }
}
