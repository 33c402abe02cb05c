package io.twd.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.twd.cli.out.Format;
import io.twd.cli.out.Output;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns failures into one clear line on stderr and the documented exit status. With {@code -o json}
 * a failure after parsing also prints {@code {"ok":false,...}} on stdout, so a program never has to
 * parse stderr.
 */
final class ErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {
    private final TwctlCommand root;

    ErrorHandler(TwctlCommand root) {
        this.root = root;
    }

    /** Bad command line: exit status 2, with a pointer to the right help. */
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(prefix() + message(ex));
        if (!UnmatchedArgumentException.printSuggestions(ex, err)) {
            String name = cmd.getCommandSpec().qualifiedName();
            err.println(root.prompter() != null
                    ? "Try '" + ("help " + name.replaceFirst("^twctl ?", "")).trim() + "'."
                    : "Try '" + name + " --help'.");
        }
        err.flush();
        return Exit.USAGE;
    }

    /** picocli's wording, except for an unknown command word, which gets the words a person typed. */
    private static String message(ParameterException ex) {
        CommandLine cmd = ex.getCommandLine();
        if (ex instanceof UnmatchedArgumentException u && !cmd.getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            return "unknown command '" + (cmd.getCommandSpec().qualifiedName() + " " + u.getUnmatched().get(0))
                    .replaceFirst("^twctl ", "") + "'";
        }
        if (!cmd.getSubcommands().isEmpty() && "Missing required subcommand".equals(ex.getMessage())) {
            List<String> subs = cmd.getSubcommands().keySet().stream().toList();
            return cmd.getCommandSpec().qualifiedName().replaceFirst("^twctl ", "") + ": missing subcommand ("
                    + String.join(", ", subs.subList(0, subs.size() - 1)) + " or " + subs.get(subs.size() - 1) + ")";
        }
        return ex.getMessage();
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        if (!(ex instanceof TwctlException failure)) {
            err.println(prefix() + "internal error: " + ex);
            if (System.getenv("TWCTL_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            err.flush();
            return Exit.REJECTED;
        }
        err.println(prefix() + failure.getMessage());
        failure.details().forEach(line -> err.println("  " + line));
        err.flush();
        if (failure.exitCode() != Exit.USAGE && jsonWanted()) {
            JsonObject json = new JsonObject();
            json.addProperty("ok", false);
            json.addProperty("exit", failure.exitCode());
            json.addProperty("error", failure.getMessage());
            JsonArray details = new JsonArray();
            failure.details().forEach(details::add);
            json.add("details", details);
            new Output(Format.json, cmd.getOut()).json(json);
        }
        return failure.exitCode();
    }

    private boolean jsonWanted() {
        try {
            return root.client().format() == Format.json;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private String prefix() {
        return root.prompter() != null ? "error: " : "twctl: ";
    }
}
