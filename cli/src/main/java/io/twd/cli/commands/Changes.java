package io.twd.cli.commands;

import com.google.gson.JsonObject;
import io.twd.cli.Exit;
import io.twd.cli.client.Replies;
import io.twd.cli.out.Format;
import io.twd.cli.out.Output;
import io.twd.protocol.admin.AdminResponse;
import java.util.Map;

/**
 * Prints the answer to a change, {@code OK generation=N pid=P}: the new process now serves the new
 * configuration. The pid matters to an operator: the one that answered has handed over and exits.
 */
final class Changes {
    private Changes() {}

    static int report(Output out, String done, AdminResponse reply) {
        Map<String, String> result = Replies.changeResult(reply);
        if (out.json()) {
            JsonObject json = new JsonObject();
            json.addProperty("ok", true);
            result.forEach((key, value) -> {
                if (value.matches("\\d{1,18}")) {
                    json.addProperty(key, Long.parseLong(value));
                } else {
                    json.addProperty(key, value);
                }
            });
            out.json(json);
        } else if (out.format() == Format.table) {
            StringBuilder line = new StringBuilder(done);
            if (result.containsKey("generation")) {
                line.append(": generation ").append(result.get("generation"));
            }
            if (result.containsKey("pid")) {
                line.append(", served by pid ").append(result.get("pid"));
            }
            out.line(line.toString());
            if (result.containsKey("warning")) {
                out.line("warning: " + result.get("warning"));
            }
        } else {
            out.line(reply.text() == null ? "" : reply.text());
        }
        return Exit.OK;
    }
}
