package io.twd.cli.commands;

import io.twd.cli.TwctlException;
import io.twd.protocol.config.PoolConfig;
import io.twd.protocol.config.ServerSpec;
import java.util.List;
import java.util.Map;

/**
 * Checks a pool change on the client with the shared config model before anything is sent, so a
 * typo is a usage error (exit status 2) with the same message the daemon would give, and never
 * starts a handoff.
 */
final class PoolChecks {
    private PoolChecks() {}

    /** A whole new pool: every value, the servers, and the rules across keys (listen given, redis_auth needs redis). */
    static void add(String name, Map<String, String> attributes, List<String> servers) {
        check(() -> {
            PoolConfig.Builder pool = new PoolConfig.Builder(name);
            attributes.forEach(pool::set);
            servers.forEach(spec -> pool.addServer(ServerSpec.parse(spec)));
            pool.build();
        });
    }

    /**
     * A change to a pool this side does not know: each value and server line on its own. Whether a
     * server to remove exists is for the daemon to say.
     */
    static void set(String name, Map<String, String> attributes, List<String> servers, List<String> added) {
        check(() -> {
            PoolConfig.Builder pool = new PoolConfig.Builder(name);
            attributes.forEach(pool::set);
            servers.forEach(spec -> pool.addServer(ServerSpec.parse(spec)));
            added.forEach(ServerSpec::parse);
        });
    }

    private static void check(Runnable validation) {
        try {
            validation.run();
        } catch (IllegalArgumentException e) {
            throw TwctlException.usage(e.getMessage() + " (nothing was sent)");
        }
    }
}
