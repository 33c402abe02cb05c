package io.twd.cli.commands;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.twd.cli.DaemonCommand;
import io.twd.cli.Exit;
import io.twd.cli.client.Replies;
import io.twd.cli.out.Format;
import io.twd.cli.out.Output;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.config.ServerSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "show", description = {"Show one pool's configuration.",
        "Every key with its effective value (redis_auth masked) and the servers in ring order. With -o plain,"
            + " 'key: value' lines and one 'server: SPEC' line per server."})
public final class PoolShowCommand extends DaemonCommand {
    @Parameters(paramLabel = "POOL", description = "The pool's name.")
    String name;

    @Override
    public Integer call() {
        JsonObject pool = Replies.object(ask(Requests.valid(() -> new AdminRequest.PoolShow(name))));
        Output out = output();
        if (out.json()) {
            out.json(pool);
            return Exit.OK;
        }
        Map<String, String> facts = new LinkedHashMap<>();
        List<String> servers = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : pool.entrySet()) {
            if (e.getKey().equals("servers") && e.getValue().isJsonArray()) {
                e.getValue().getAsJsonArray().forEach(s -> servers.add(s.getAsString()));
            } else {
                facts.put(e.getKey(), e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : e.getValue().toString());
            }
        }
        if (out.format() == Format.plain) {
            out.keyValues(facts);
            out.lines(servers.stream().map(s -> "server: " + s).toList());
            return Exit.OK;
        }
        out.keyValues(facts);
        out.line("");
        List<List<String>> rows = new ArrayList<>();
        for (String line : servers) {
            ServerSpec s = ServerSpec.parse(line);
            rows.add(List.of(s.name(), s.isUnix() ? s.path() : s.host() + ":" + s.port(), Integer.toString(s.weight())));
        }
        out.rows(List.of("SERVER", "ADDRESS", "WEIGHT"), rows);
        return Exit.OK;
    }
}
