package io.twd.cli.doc;

import io.twd.cli.Exit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Keeps twctl(1) in step with the command model. The page is written by hand, except the regions
 * between {@code .\" BEGIN GENERATED x} and {@code .\" END GENERATED x}, which this class fills in
 * roff from the picocli model: {@code options} (the global options), {@code commands} (each command
 * with its synopsis, description and options) and {@code exit-status}. A test fails when the page
 * differs from {@link #update}; {@code twctl gen-manpage man/twctl.1} rewrites it.
 */
public final class ManPage {
    private static final Pattern REGION = Pattern.compile(
            "(?ms)^(\\.\\\\\" BEGIN GENERATED ([a-z-]+)\\n)(.*?)(^\\.\\\\\" END GENERATED \\2$)");
    private static final List<String> GLOBAL = List.of("--socket", "--output", "--wait", "--help", "--version");

    private ManPage() {}

    /** The page with every generated region rewritten from {@code cmd}. */
    public static String update(String page, CommandLine cmd) {
        Matcher m = REGION.matcher(page);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + region(m.group(2), cmd) + m.group(4)));
        }
        m.appendTail(out);
        return out.toString();
    }

    static String region(String name, CommandLine cmd) {
        StringBuilder roff = new StringBuilder();
        switch (name) {
            case "options" -> {
                for (String option : GLOBAL) {
                    item(roff, cmd.getCommandSpec().findOption(option));
                }
            }
            case "commands" -> commands(roff, cmd);
            case "exit-status" -> {
                for (String entry : Exit.DESCRIPTIONS) {
                    int colon = entry.indexOf(':');
                    roff.append(".TP\n.B ").append(entry, 0, colon).append('\n')
                            .append(text(capitalize(entry.substring(colon + 1)))).append(".\n");
                }
            }
            default -> throw new IllegalArgumentException("no generated region '" + name + "'");
        }
        return roff.toString();
    }

    private static void commands(StringBuilder roff, CommandLine cmd) {
        for (Map.Entry<String, CommandLine> e : cmd.getSubcommands().entrySet()) {
            CommandSpec spec = e.getValue().getCommandSpec();
            if (spec.usageMessage().hidden()) {
                continue;
            }
            if (!e.getValue().getSubcommands().isEmpty()) {
                commands(roff, e.getValue());
                continue;
            }
            roff.append(".SS \"").append(synopsis(spec)).append("\"\n");
            for (String paragraph : spec.usageMessage().description()) {
                roff.append(text(paragraph)).append('\n');
            }
            for (PositionalParamSpec p : spec.positionalParameters()) {
                if (!p.hidden()) {
                    roff.append(".TP\n.I ").append(p.paramLabel()).append('\n').append(text(description(p.description(), null))).append('\n');
                }
            }
            for (OptionSpec o : spec.options()) {
                if (!o.hidden() && !o.inherited() && !GLOBAL.contains(o.longestName())) {
                    item(roff, o);
                }
            }
        }
    }

    /** {@code twctl pool add NAME [OPTIONS]}, roff-escaped, for a .SS heading. */
    static String synopsis(CommandSpec spec) {
        StringBuilder s = new StringBuilder(spec.qualifiedName());
        for (PositionalParamSpec p : spec.positionalParameters()) {
            boolean optional = p.arity().min() == 0;
            boolean many = p.arity().isVariable() || p.arity().max() > 1;
            s.append(' ').append(optional ? "[" : "").append(p.paramLabel()).append(many ? "..." : "").append(optional ? "]" : "");
        }
        boolean ownOptions = spec.options().stream().anyMatch(o -> !o.hidden() && !o.inherited() && !GLOBAL.contains(o.longestName()));
        if (ownOptions) {
            s.append(" [OPTIONS]");
        }
        return escape(s.toString());
    }

    private static void item(StringBuilder roff, OptionSpec o) {
        List<String> names = new ArrayList<>();
        for (String name : o.names()) {
            names.add("\\fB" + escape(name) + "\\fR");
        }
        String head = String.join(", ", names);
        if (o.arity().max() > 0 && !o.usageHelp() && !o.versionHelp()) {
            String label = "\\fI" + escape(o.paramLabel()) + "\\fR";
            head += o.arity().min() == 0 ? "[=" + label + "]" : " " + label;
        }
        String candidates = null;
        if (o.completionCandidates() != null) {
            List<String> values = new ArrayList<>();
            o.completionCandidates().forEach(values::add);
            candidates = String.join(", ", values);
        }
        roff.append(".TP\n").append(head).append('\n').append(text(description(o.description(), candidates))).append('\n');
    }

    private static String description(String[] lines, String candidates) {
        String text = String.join(" ", lines);
        return candidates == null ? text : text.replace("${COMPLETION-CANDIDATES}", candidates);
    }

    /** Running text: escaped, with a line starting with '.' or '\'' made safe. */
    static String text(String s) {
        String escaped = escape(s);
        return escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" + escaped : escaped;
    }

    static String escape(String s) {
        return s.replace("\\", "\\e").replace("-", "\\-");
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
