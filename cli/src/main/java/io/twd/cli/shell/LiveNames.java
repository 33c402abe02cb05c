package io.twd.cli.shell;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.twd.cli.ClientOptions;
import io.twd.cli.TwctlException;
import io.twd.cli.client.AdminClient;
import io.twd.cli.client.Replies;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminResponse;
import io.twd.protocol.config.ServerSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * What the shell asks the daemon for itself: pool and server names for completion, the generation for
 * the prompt. Each question is a short connection of its own (a change hands the socket to a new
 * process, so a long-lived connection would talk to a draining one); any failure just means "nothing
 * to offer", never an error in the middle of typing.
 */
final class LiveNames {
    private static final Duration WAIT = Duration.ofSeconds(2);

    private final ClientOptions options;

    LiveNames(ClientOptions options) {
        this.options = options;
    }

    List<String> pools() {
        AdminResponse reply = query(new AdminRequest.PoolList());
        return reply != null && reply.ok() ? reply.body() : List.of();
    }

    /** The names {@code pool set --server-remove} takes: explicit names, else host:port. */
    List<String> servers(String pool) {
        AdminResponse reply;
        try {
            reply = query(new AdminRequest.PoolShow(pool));
        } catch (IllegalArgumentException e) {
            return List.of(); // not a valid pool name: nothing to ask
        }
        if (reply == null || !reply.ok()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try {
            JsonElement servers = Replies.object(reply).get("servers");
            if (servers != null && servers.isJsonArray()) {
                servers.getAsJsonArray().forEach(s -> names.add(ServerSpec.parse(s.getAsString()).name()));
            }
        } catch (RuntimeException e) {
            return List.of();
        }
        return names;
    }

    /** The daemon's generation, or empty when it cannot be reached. */
    OptionalLong generation() {
        AdminResponse reply = query(new AdminRequest.Status());
        try {
            JsonObject status = reply != null && reply.ok() ? Replies.object(reply) : null;
            return status != null && status.has("generation")
                    ? OptionalLong.of(status.get("generation").getAsLong()) : OptionalLong.empty();
        } catch (RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private AdminResponse query(AdminRequest request) {
        try (AdminClient daemon = AdminClient.connect(options.socketPath(), WAIT)) {
            return daemon.send(request);
        } catch (TwctlException e) {
            return null;
        }
    }
}
