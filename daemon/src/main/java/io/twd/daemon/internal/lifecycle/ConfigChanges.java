package io.twd.daemon.internal.lifecycle;

import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.config.PoolConfig;
import io.twd.protocol.config.ServerSpec;
import io.twd.protocol.config.TwdConfig;
import java.util.Map;

/**
 * Turns {@code pool add/set/del} into a candidate config, validated by the same model that checks
 * nutcracker.yml, so an admin command can never produce a config {@code twd -t} would reject.
 */
final class ConfigChanges {
    private ConfigChanges() {
    }

    /** Throws IllegalArgumentException with the reason when the change is invalid. */
    static TwdConfig apply(TwdConfig running, AdminRequest request) {
        if (request instanceof AdminRequest.PoolAdd add) {
            if (running.pool(add.name()).isPresent()) {
                throw new IllegalArgumentException("pool '" + add.name() + "' already exists (use pool set)");
            }
            PoolConfig.Builder b = new PoolConfig.Builder(add.name());
            setAll(b, add.attributes());
            for (String spec : add.servers()) {
                b.addServer(ServerSpec.parse(spec));
            }
            return running.withPool(b.build());
        }
        if (request instanceof AdminRequest.PoolSet set) {
            PoolConfig.Builder b = new PoolConfig.Builder(existing(running, set.name()));
            setAll(b, set.attributes());
            if (set.servers() != null) {
                b.clearServers();
                for (String spec : set.servers()) {
                    b.addServer(ServerSpec.parse(spec));
                }
            }
            for (String name : set.removeServers()) {
                b.removeServer(name);
            }
            for (String spec : set.addServers()) {
                b.addServer(ServerSpec.parse(spec));
            }
            return running.withPool(b.build());
        }
        if (request instanceof AdminRequest.PoolDel del) {
            existing(running, del.name());
            return running.withoutPool(del.name());
        }
        throw new IllegalArgumentException("not a pool change: " + request.toLine());
    }

    private static PoolConfig existing(TwdConfig running, String name) {
        return running.pool(name).orElseThrow(() -> new IllegalArgumentException("no pool named '" + name + "'"));
    }

    private static void setAll(PoolConfig.Builder b, Map<String, String> attributes) {
        attributes.forEach(b::set);
    }
}
