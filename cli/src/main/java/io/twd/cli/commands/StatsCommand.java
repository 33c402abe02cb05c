package io.twd.cli.commands;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.twd.cli.DaemonCommand;
import io.twd.cli.Exit;
import io.twd.cli.client.Replies;
import io.twd.cli.out.Facts;
import io.twd.cli.out.Format;
import io.twd.cli.out.Output;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "stats", description = {"Print the statistics.",
        "With -o plain or -o json, the JSON document of nutcracker's stats port as it is, so tools written for"
            + " twemproxy's stats read it; on a terminal, a table of pools and one of servers."})
public final class StatsCommand extends DaemonCommand {
    @Override
    public Integer call() {
        AdminResponse reply = ask(new AdminRequest.Stats());
        Output out = output();
        if (out.format() != Format.table) {
            out.lines(Replies.text(reply));
            return Exit.OK;
        }
        JsonObject stats = Replies.object(reply);
        out.line("uptime " + Facts.duration(number(stats, "uptime")) + ", " + number(stats, "curr_connections")
                + " client connections (" + number(stats, "total_connections") + " since start)");
        List<List<String>> pools = new ArrayList<>();
        List<List<String>> servers = new ArrayList<>();
        for (Map.Entry<String, JsonElement> pool : stats.entrySet()) {
            if (!pool.getValue().isJsonObject()) {
                continue; // the document's own fields: service, version, uptime, ...
            }
            JsonObject p = pool.getValue().getAsJsonObject();
            pools.add(List.of(pool.getKey(), str(p, "client_connections"), str(p, "client_err"),
                    str(p, "forward_error"), str(p, "server_ejects")));
            for (Map.Entry<String, JsonElement> server : p.entrySet()) {
                if (server.getValue().isJsonObject()) {
                    JsonObject s = server.getValue().getAsJsonObject();
                    long errors = number(s, "server_err") + number(s, "server_eof") + number(s, "server_timedout");
                    servers.add(List.of(pool.getKey(), server.getKey(), str(s, "server_connections"),
                            str(s, "requests"), str(s, "responses"), Long.toString(errors),
                            Long.toString(number(s, "in_queue") + number(s, "out_queue")),
                            number(s, "server_ejected_at") > 0 ? "yes" : "no"));
                }
            }
        }
        out.line("");
        out.rows(List.of("POOL", "CLIENTS", "CLIENT_ERRORS", "FORWARD_ERRORS", "EJECTIONS"), pools);
        out.line("");
        out.rows(List.of("POOL", "SERVER", "CONNECTIONS", "REQUESTS", "RESPONSES", "ERRORS", "QUEUED", "EVER_EJECTED"),
                servers);
        return Exit.OK;
    }

    private static long number(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() ? e.getAsLong() : 0;
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) ? o.get(key).getAsString() : "-";
    }
}
