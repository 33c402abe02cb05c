package io.twd.cli.commands;

import io.twd.protocol.admin.AdminProtocol;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * One option per nutcracker pool key, for {@code pool add} and {@code pool set}: {@code --hash-tag}
 * is the key {@code hash_tag}. Values stay text: they are checked by the shared config model
 * (PoolConfig.Builder), which gives the same messages as the daemon and {@code twd -t}. Booleans
 * are flags that also take {@code =false}.
 */
public final class PoolAttributes {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "ADDR", description = "host:port, or /path/to/socket [mode] (required for pool add).")
    String listen;

    @Option(names = "--hash", paramLabel = "HASH", completionCandidates = Candidates.Hashes.class,
            description = "Key hash: ${COMPLETION-CANDIDATES} (default: fnv1a_64).")
    String hash;

    @Option(names = "--hash-tag", paramLabel = "TAG", description = "Two characters, e.g. {} : only the part of the key between them is hashed.")
    String hashTag;

    @Option(names = "--distribution", paramLabel = "DIST", completionCandidates = Candidates.Distributions.class,
            description = "Key distribution: ${COMPLETION-CANDIDATES} (default: ketama).")
    String distribution;

    @Option(names = "--timeout", paramLabel = "MS", description = "Server timeout in milliseconds (default: none).")
    String timeout;

    @Option(names = "--backlog", paramLabel = "N", description = "Listen backlog (default: 512).")
    String backlog;

    @Option(names = "--client-connections", paramLabel = "N", description = "Most client connections, 0 for no limit (default: 0).")
    String clientConnections;

    @Option(names = "--redis", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "A redis pool (default: false, memcache).")
    Boolean redis;

    @Option(names = "--redis-auth", paramLabel = "PASSWORD", description = "Password twd sends to the servers and asks of clients (redis only).")
    String redisAuth;

    @Option(names = "--redis-db", paramLabel = "N", description = "Database the servers use (default: 0).")
    String redisDb;

    @Option(names = "--preconnect", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "Connect to all servers at start (default: false).")
    Boolean preconnect;

    @Option(names = "--auto-eject-hosts", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "Take a failing server out of the ring for a while (default: false).")
    Boolean autoEjectHosts;

    @Option(names = "--server-connections", paramLabel = "N", description = "Connections to each server (default: 1).")
    String serverConnections;

    @Option(names = "--server-retry-timeout", paramLabel = "MS", description = "How long an ejected server stays out (default: 30000).")
    String serverRetryTimeout;

    @Option(names = "--server-failure-limit", paramLabel = "N", description = "Failures in a row that eject a server (default: 2).")
    String serverFailureLimit;

    @Option(names = "--tcpkeepalive", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "TCP keepalive on server connections (default: false).")
    Boolean tcpkeepalive;

    @Option(names = "--reuseport", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "SO_REUSEPORT on the listener (default: false).")
    Boolean reuseport;

    /** The pool key an option sets: {@code --hash-tag} sets {@code hash_tag}. */
    public static String keyOf(OptionSpec option) {
        return option.longestName().substring(2).replace('-', '_');
    }

    /** The keys given, in the protocol's key order, with their values as the config file writes them. */
    public Map<String, String> values() {
        Map<String, String> byKey = new LinkedHashMap<>();
        for (OptionSpec option : spec.options()) {
            Object value = option.getValue();
            if (value != null) {
                byKey.put(keyOf(option), value.toString());
            }
        }
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String key : AdminProtocol.POOL_KEYS) {
            if (byKey.containsKey(key)) {
                ordered.put(key, byKey.get(key));
            }
        }
        return ordered;
    }
}
