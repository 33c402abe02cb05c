package io.twd.cli.commands;

import com.google.gson.JsonObject;
import io.twd.cli.DaemonCommand;
import io.twd.cli.Exit;
import io.twd.cli.out.Output;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminResponse;
import io.twd.protocol.config.ConfigException;
import io.twd.protocol.config.ConfigLoader;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code config check [FILE]}: like {@code nginx -t}. A FILE is checked here, offline, by the same
 * loader the daemon uses; without one the daemon checks its own config file. A problem is printed
 * as {@code file:line: reason} on stderr, the form editors jump to, with exit status 1.
 */
@Command(name = "check", description = {"Validate a config file without applying it.",
        "With FILE, offline, like nginx -t (no daemon needed): prints 'FILE: syntax is ok', or 'FILE:LINE: reason'"
            + " on stderr with exit status 1. Without FILE, the daemon checks its own config file, e.g. after it was"
            + " edited and before 'twctl reload'."})
public final class ConfigCheckCommand extends DaemonCommand {
    @Parameters(paramLabel = "FILE", arity = "0..1", description = "The nutcracker.yml to check.")
    Path file;

    @Override
    public Integer call() {
        String source;
        String problem = null;
        if (file != null) {
            source = file.toString();
            try {
                ConfigLoader.load(file);
            } catch (ConfigException e) {
                problem = e.getMessage();
            }
        } else {
            // The daemon's answer: OK "<file>: syntax is ok", or ERR "<file>:<line>: <reason>".
            AdminResponse reply = withDaemon(false, daemon -> daemon.send(new AdminRequest.ConfigCheck(null)));
            String text = reply.text() == null ? "" : reply.text();
            source = reply.ok() && text.endsWith(": syntax is ok") ? text.substring(0, text.length() - 14) : null;
            problem = reply.ok() ? null : String.join("\n", java.util.stream.Stream.concat(
                    java.util.stream.Stream.of(text), reply.body().stream()).toList());
        }
        Output out = output();
        if (out.json()) {
            JsonObject json = new JsonObject();
            json.addProperty("ok", problem == null);
            if (source != null) {
                json.addProperty("file", source);
            }
            if (problem != null) {
                json.addProperty("error", problem);
            }
            out.json(json);
        } else if (problem == null) {
            out.line((source != null ? source : "config") + ": syntax is ok");
        }
        if (problem != null) {
            spec.commandLine().getErr().println(problem);
            spec.commandLine().getErr().flush();
            return Exit.REJECTED;
        }
        return Exit.OK;
    }
}
