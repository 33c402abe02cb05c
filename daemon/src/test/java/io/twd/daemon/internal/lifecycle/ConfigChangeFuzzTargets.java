package io.twd.daemon.internal.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminSyntaxException;
import io.twd.protocol.config.ConfigException;
import io.twd.protocol.config.ConfigLoader;
import io.twd.protocol.config.ConfigWriter;
import io.twd.protocol.config.PoolConfig;
import io.twd.protocol.config.TwdConfig;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Admin input cannot put into the config file anything but what it means: a pool change is
 * applied by the shared config model (or refused with IllegalArgumentException), and the file
 * the daemon then writes loads back to exactly the changed config, free-text values included.
 */
public final class ConfigChangeFuzzTargets {
    static final TwdConfig BASE;

    static {
        try {
            BASE = ConfigLoader.parse(String.join("\n",
                "alpha:",
                "  listen: 127.0.0.1:22121",
                "  redis: true",
                "  servers:",
                "   - 127.0.0.1:6379:1 r1",
                "   - 127.0.0.1:6380:1 r2",
                "beta:",
                "  listen: 127.0.0.1:22122",
                "  servers:",
                "   - 127.0.0.1:11211:1",
                ""), "base");
        } catch (ConfigException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ConfigChangeFuzzTargets() {
    }

    public static void change(byte[] data) {
        AdminRequest request;
        try {
            request = AdminRequest.parse(new String(data, StandardCharsets.UTF_8));
        } catch (AdminSyntaxException e) {
            return;
        }
        if (request == null || !request.changesConfig()
                || request instanceof AdminRequest.Reload || request instanceof AdminRequest.Upgrade) {
            return;
        }
        TwdConfig changed;
        try {
            changed = ConfigChanges.apply(BASE, request);
        } catch (IllegalArgumentException e) {
            return; // refused: nothing is written
        }
        String yaml = ConfigWriter.toYaml(changed);
        TwdConfig loaded;
        try {
            loaded = ConfigLoader.parse(yaml, "written");
        } catch (ConfigException e) {
            throw new AssertionError("the file written for '" + request.toLine() + "' does not load: "
                + e.getMessage() + "\n" + yaml, e);
        }
        assertEquals(changed, loaded, yaml);
        Map<String, String> asked = request instanceof AdminRequest.PoolSet set ? set.attributes()
            : request instanceof AdminRequest.PoolAdd add ? add.attributes() : Map.of();
        String pool = request instanceof AdminRequest.PoolSet set ? set.name()
            : request instanceof AdminRequest.PoolAdd add ? add.name() : null;
        if (pool != null) {
            PoolConfig p = loaded.pool(pool).orElseThrow();
            // Free text goes in as given, byte for byte.
            if (asked.containsKey("redis_auth")) {
                assertEquals(asked.get("redis_auth"), p.redisAuth());
            }
            if (asked.containsKey("hash_tag")) {
                assertEquals(asked.get("hash_tag"), p.hashTag());
            }
        }
        assertEquals(BASE.pools().size() + (request instanceof AdminRequest.PoolAdd ? 1
            : request instanceof AdminRequest.PoolDel ? -1 : 0), loaded.pools().size(), "pools smuggled in or out");
    }
}
