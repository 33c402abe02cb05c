package io.twd.daemon.internal.lifecycle;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.twd.protocol.admin.AdminCommands;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminResponse;
import io.twd.protocol.config.ConfigException;
import io.twd.protocol.config.ConfigLoader;
import io.twd.protocol.config.ConfigWriter;
import io.twd.protocol.config.PoolConfig;
import io.twd.protocol.config.ServerSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The admin commands that only read: answered at once, never waiting behind a change. */
final class AdminQueries {
    private AdminQueries() {
    }

    static AdminResponse answer(Daemon d, AdminRequest request) {
        if (request instanceof AdminRequest.Ping) {
            return AdminResponse.ok("pong");
        }
        if (request instanceof AdminRequest.Help help) {
            return help.topic() == null
                ? AdminResponse.ok(null, List.of(AdminCommands.help()))
                : AdminCommands.help(help.topic()).map(h -> AdminResponse.ok(null, List.of(h)))
                    .orElse(AdminResponse.err("no help for '" + help.topic() + "'"));
        }
        if (request instanceof AdminRequest.Status) {
            return AdminResponse.ok(null, List.of(Daemon.pretty(d.status())));
        }
        if (request instanceof AdminRequest.PoolList) {
            return AdminResponse.ok(null, d.config().pools().stream().map(PoolConfig::name).toList());
        }
        if (request instanceof AdminRequest.PoolShow show) {
            return d.config().pool(show.name())
                .map(p -> AdminResponse.ok(null, List.of(Daemon.pretty(describe(p)))))
                .orElse(AdminResponse.err("no pool named '" + show.name() + "'"));
        }
        if (request instanceof AdminRequest.ConfigShow) {
            return AdminResponse.ok(null, List.of(ConfigWriter.toYaml(d.config()).stripTrailing()));
        }
        if (request instanceof AdminRequest.ConfigCheck check) {
            String path = check.path() != null ? check.path() : d.configFile();
            try {
                ConfigLoader.load(Path.of(path));
                return AdminResponse.ok(path + ": syntax is ok");
            } catch (ConfigException e) {
                return AdminResponse.err(e.getMessage());
            }
        }
        if (request instanceof AdminRequest.Stats) {
            return AdminResponse.ok(null, List.of(d.statsJson()));
        }
        return AdminResponse.err("unexpected command: " + request.toLine());
    }

    /** A pool as JSON: its attributes (with redis_auth masked) and its servers in ring order. */
    static JsonObject describe(PoolConfig p) {
        JsonObject o = new JsonObject();
        o.addProperty("name", p.name());
        for (Map.Entry<String, String> e : p.attributes().entrySet()) {
            o.addProperty(e.getKey(), e.getKey().equals("redis_auth") ? "********" : e.getValue());
        }
        JsonArray servers = new JsonArray();
        for (ServerSpec s : p.servers()) {
            servers.add(s.text());
        }
        o.add("servers", servers);
        return o;
    }
}
