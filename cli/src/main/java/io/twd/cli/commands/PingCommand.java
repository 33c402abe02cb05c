package io.twd.cli.commands;

import com.google.gson.JsonObject;
import io.twd.cli.DaemonCommand;
import io.twd.cli.Exit;
import io.twd.cli.out.Format;
import io.twd.cli.out.Output;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminResponse;
import java.util.Locale;
import picocli.CommandLine.Command;

@Command(name = "ping", description = {"Check that the daemon answers.",
        "For scripts and health checks: exit status 0 when it answers, 3 when it cannot be reached."})
public final class PingCommand extends DaemonCommand {
    @Override
    public Integer call() {
        // The round trip only: connecting (and loading the socket library) is not the daemon's time.
        double[] millis = new double[1];
        AdminResponse reply = withDaemon(false, daemon -> {
            long start = System.nanoTime();
            AdminResponse r = ok(daemon.send(new AdminRequest.Ping()));
            millis[0] = (System.nanoTime() - start) / 1e6;
            return r;
        });
        Output out = output();
        String text = reply.text() == null ? "pong" : reply.text();
        if (out.json()) {
            JsonObject json = new JsonObject();
            json.addProperty("ok", true);
            json.addProperty("reply", text);
            json.addProperty("millis", Math.round(millis[0] * 100) / 100.0);
            out.json(json);
        } else if (out.format() == Format.table) {
            out.line(String.format(Locale.ROOT, "%s from %s in %.1f ms", text, client().socketPath(), millis[0]));
        } else {
            out.line(text);
        }
        return Exit.OK;
    }
}
