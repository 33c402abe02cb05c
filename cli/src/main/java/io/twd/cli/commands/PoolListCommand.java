package io.twd.cli.commands;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.twd.cli.DaemonCommand;
import io.twd.cli.Exit;
import io.twd.cli.client.Replies;
import io.twd.cli.out.Format;
import io.twd.cli.out.Output;
import io.twd.protocol.admin.AdminRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "list", description = {"List the pools.",
        "In nutcracker's order: one name per line with -o plain, a JSON array of names with -o json, and a table"
            + " with each pool's listen address, protocol, hash and server count on a terminal."})
public final class PoolListCommand extends DaemonCommand {
    @Override
    public Integer call() {
        Output out = output();
        if (out.format() != Format.table) {
            List<String> names = ok(ask(new AdminRequest.PoolList())).body();
            if (out.json()) {
                JsonArray array = new JsonArray();
                names.forEach(array::add);
                out.json(array);
            } else {
                out.lines(names);
            }
            return Exit.OK;
        }
        // A person gets the details too: one more query per pool, on the same connection.
        List<List<String>> rows = withDaemon(false, daemon -> {
            List<List<String>> r = new ArrayList<>();
            for (String name : ok(daemon.send(new AdminRequest.PoolList())).body()) {
                JsonObject pool = Replies.object(ok(daemon.send(new AdminRequest.PoolShow(name))));
                r.add(List.of(name, text(pool, "listen"), "true".equals(text(pool, "redis")) ? "redis" : "memcache",
                        text(pool, "hash") + "/" + text(pool, "distribution"),
                        Integer.toString(pool.has("servers") ? pool.getAsJsonArray("servers").size() : 0)));
            }
            return r;
        });
        out.rows(List.of("POOL", "LISTEN", "PROTOCOL", "HASH/DISTRIBUTION", "SERVERS"), rows);
        return Exit.OK;
    }

    private static String text(JsonObject pool, String key) {
        return pool.has(key) ? pool.get(key).getAsString() : "-";
    }
}
