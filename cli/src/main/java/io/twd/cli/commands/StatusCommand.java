package io.twd.cli.commands;

import com.google.gson.JsonObject;
import io.twd.cli.DaemonCommand;
import io.twd.cli.Exit;
import io.twd.cli.client.Replies;
import io.twd.cli.out.Facts;
import io.twd.cli.out.Format;
import io.twd.cli.out.Output;
import io.twd.protocol.admin.AdminRequest;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "status", description = {"Show the daemon's state.",
        "The pid, the generation (raised by every applied change), uptime, config file, admin socket, pools,"
            + " client connections, and the previous process while it drains after a change."})
public final class StatusCommand extends DaemonCommand {
    @Override
    public Integer call() {
        JsonObject status = Replies.object(ask(new AdminRequest.Status()));
        Output out = output();
        if (out.json()) {
            out.json(status);
            return Exit.OK;
        }
        Map<String, String> facts = Facts.of(status, out.format());
        if (out.format() == Format.table && status.has("uptime")) {
            facts.put("uptime", Facts.duration(status.get("uptime").getAsLong()));
        }
        out.keyValues(facts);
        return Exit.OK;
    }
}
