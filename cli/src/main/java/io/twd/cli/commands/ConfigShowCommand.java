package io.twd.cli.commands;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.twd.cli.DaemonCommand;
import io.twd.cli.Exit;
import io.twd.cli.TwctlException;
import io.twd.cli.client.Replies;
import io.twd.cli.out.Output;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.config.ConfigException;
import io.twd.protocol.config.ConfigLoader;
import io.twd.protocol.config.PoolConfig;
import io.twd.protocol.config.ServerSpec;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "show", description = {"Print the running configuration.",
        "The configuration being served, as nutcracker YAML; it differs from the file only if the file was edited"
            + " since the last reload. With -o json, one object per pool with every key, defaults included, and its"
            + " servers."})
public final class ConfigShowCommand extends DaemonCommand {
    @Override
    public Integer call() {
        List<String> yaml = Replies.text(ask(new AdminRequest.ConfigShow()));
        Output out = output();
        if (!out.json()) {
            out.lines(yaml);
            return Exit.OK;
        }
        JsonObject json = new JsonObject();
        try {
            for (PoolConfig pool : ConfigLoader.parse(String.join("\n", yaml) + "\n", "config show").pools()) {
                JsonObject p = new JsonObject();
                pool.attributes().forEach(p::addProperty);
                JsonArray servers = new JsonArray();
                pool.servers().stream().map(ServerSpec::text).forEach(servers::add);
                p.add("servers", servers);
                json.add(pool.name(), p);
            }
        } catch (ConfigException e) {
            throw new TwctlException(Exit.UNREACHABLE, "twd sent a configuration this twctl cannot read: " + e.getMessage());
        }
        out.json(json);
        return Exit.OK;
    }
}
