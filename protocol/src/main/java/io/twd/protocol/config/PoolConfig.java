package io.twd.protocol.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One server pool, immutable, with every default filled in. Values are checked by
 * {@link Builder#set} and pool-wide rules by {@link Builder#build}, whoever supplies them: the
 * YAML loader, the admin {@code pool set} command or {@code twctl}.
 *
 * <p>Unlike nutcracker, which parses {@code client_connections} and then overwrites it with 0,
 * twd keeps and enforces it.
 */
public final class PoolConfig {
    /** Every key nutcracker knows, in its own order ({@code conf_commands[]}, master with reuseport). */
    private static final List<String> KEYS = List.of(
            "listen", "hash", "hash_tag", "distribution", "timeout", "backlog", "client_connections",
            "redis", "tcpkeepalive", "reuseport", "redis_auth", "redis_db", "preconnect", "auto_eject_hosts",
            "server_connections", "server_retry_timeout", "server_failure_limit", "servers");

    /** The defaults as {@link #attributes()} shows them; keys without a default are absent. */
    static final Map<String, String> DEFAULT_VALUES = defaultValues();

    private final String name;
    private final ListenAddress listen;
    private final HashType hash;
    private final String hashTag;
    private final Distribution distribution;
    private final int timeout;
    private final int backlog;
    private final int clientConnections;
    private final boolean redis;
    private final boolean tcpkeepalive;
    private final boolean reuseport;
    private final String redisAuth;
    private final int redisDb;
    private final boolean preconnect;
    private final boolean autoEjectHosts;
    private final int serverConnections;
    private final int serverRetryTimeout;
    private final int serverFailureLimit;
    private final List<ServerSpec> servers;

    private PoolConfig(Builder b, List<ServerSpec> sortedServers) {
        name = b.name;
        listen = b.listen;
        hash = b.hash;
        hashTag = b.hashTag;
        distribution = b.distribution;
        timeout = b.timeout;
        backlog = b.backlog;
        clientConnections = b.clientConnections;
        redis = b.redis;
        tcpkeepalive = b.tcpkeepalive;
        reuseport = b.reuseport;
        redisAuth = b.redisAuth;
        redisDb = b.redisDb;
        preconnect = b.preconnect;
        autoEjectHosts = b.autoEjectHosts;
        serverConnections = b.serverConnections;
        serverRetryTimeout = b.serverRetryTimeout;
        serverFailureLimit = b.serverFailureLimit;
        servers = List.copyOf(sortedServers);
    }

    /** The valid keys in nutcracker's order, {@code reuseport} and {@code servers} included. */
    public static List<String> keys() {
        return KEYS;
    }

    public String name() {
        return name;
    }

    public ListenAddress listen() {
        return listen;
    }

    public HashType hash() {
        return hash;
    }

    /** The two hash tag characters, e.g. {@code {}}; null if none. */
    public String hashTag() {
        return hashTag;
    }

    public Distribution distribution() {
        return distribution;
    }

    /** Milliseconds; -1 (the default) and 0 both mean no timeout. */
    public int timeout() {
        return timeout;
    }

    public int backlog() {
        return backlog;
    }

    /** 0 means unlimited. */
    public int clientConnections() {
        return clientConnections;
    }

    public boolean redis() {
        return redis;
    }

    /** Null if none. */
    public String redisAuth() {
        return redisAuth;
    }

    public int redisDb() {
        return redisDb;
    }

    public boolean preconnect() {
        return preconnect;
    }

    public boolean autoEjectHosts() {
        return autoEjectHosts;
    }

    public int serverConnections() {
        return serverConnections;
    }

    /** Milliseconds. */
    public int serverRetryTimeout() {
        return serverRetryTimeout;
    }

    public int serverFailureLimit() {
        return serverFailureLimit;
    }

    public boolean tcpkeepalive() {
        return tcpkeepalive;
    }

    public boolean reuseport() {
        return reuseport;
    }

    /** Sorted by name in {@link NameOrder}, which is the server index order. */
    public List<ServerSpec> servers() {
        return servers;
    }

    /**
     * Every key except {@code servers} with its effective value, in {@link #keys()} order, as
     * {@link Builder#set} accepts it back. {@code hash_tag} and {@code redis_auth} are left out
     * when not set. Note that {@code redis_auth} is the password in clear text.
     */
    public LinkedHashMap<String, String> attributes() {
        LinkedHashMap<String, String> a = new LinkedHashMap<>();
        a.put("listen", listen.text());
        a.put("hash", hash.configName());
        if (hashTag != null) {
            a.put("hash_tag", hashTag);
        }
        a.put("distribution", distribution.configName());
        a.put("timeout", Integer.toString(timeout));
        a.put("backlog", Integer.toString(backlog));
        a.put("client_connections", Integer.toString(clientConnections));
        a.put("redis", Boolean.toString(redis));
        a.put("tcpkeepalive", Boolean.toString(tcpkeepalive));
        a.put("reuseport", Boolean.toString(reuseport));
        if (redisAuth != null) {
            a.put("redis_auth", redisAuth);
        }
        a.put("redis_db", Integer.toString(redisDb));
        a.put("preconnect", Boolean.toString(preconnect));
        a.put("auto_eject_hosts", Boolean.toString(autoEjectHosts));
        a.put("server_connections", Integer.toString(serverConnections));
        a.put("server_retry_timeout", Integer.toString(serverRetryTimeout));
        a.put("server_failure_limit", Integer.toString(serverFailureLimit));
        return a;
    }

    private static Map<String, String> defaultValues() {
        Builder defaults = new Builder("defaults");
        Map<String, String> d = new LinkedHashMap<>();
        d.put("hash", defaults.hash.configName());
        d.put("distribution", defaults.distribution.configName());
        d.put("timeout", Integer.toString(defaults.timeout));
        d.put("backlog", Integer.toString(defaults.backlog));
        d.put("client_connections", Integer.toString(defaults.clientConnections));
        d.put("redis", Boolean.toString(defaults.redis));
        d.put("tcpkeepalive", Boolean.toString(defaults.tcpkeepalive));
        d.put("reuseport", Boolean.toString(defaults.reuseport));
        d.put("redis_db", Integer.toString(defaults.redisDb));
        d.put("preconnect", Boolean.toString(defaults.preconnect));
        d.put("auto_eject_hosts", Boolean.toString(defaults.autoEjectHosts));
        d.put("server_connections", Integer.toString(defaults.serverConnections));
        d.put("server_retry_timeout", Integer.toString(defaults.serverRetryTimeout));
        d.put("server_failure_limit", Integer.toString(defaults.serverFailureLimit));
        return Map.copyOf(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolConfig p
                && name.equals(p.name)
                && listen.equals(p.listen)
                && hash == p.hash
                && Objects.equals(hashTag, p.hashTag)
                && distribution == p.distribution
                && timeout == p.timeout
                && backlog == p.backlog
                && clientConnections == p.clientConnections
                && redis == p.redis
                && tcpkeepalive == p.tcpkeepalive
                && reuseport == p.reuseport
                && Objects.equals(redisAuth, p.redisAuth)
                && redisDb == p.redisDb
                && preconnect == p.preconnect
                && autoEjectHosts == p.autoEjectHosts
                && serverConnections == p.serverConnections
                && serverRetryTimeout == p.serverRetryTimeout
                && serverFailureLimit == p.serverFailureLimit
                && servers.equals(p.servers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, listen, hash, hashTag, distribution, timeout, backlog, clientConnections,
                redis, tcpkeepalive, reuseport, redisAuth, redisDb, preconnect, autoEjectHosts,
                serverConnections, serverRetryTimeout, serverFailureLimit, servers);
    }

    /** Like {@link #attributes()} but with the redis password masked, as this ends up in logs. */
    @Override
    public String toString() {
        Map<String, String> shown = attributes();
        shown.computeIfPresent("redis_auth", (k, v) -> "***");
        return "pool '" + name + "' " + shown + " servers=" + servers;
    }

    /**
     * Collects a pool's settings, starting from the defaults or from an existing pool. Not
     * thread-safe; each error is an IllegalArgumentException whose message starts with
     * {@code pool 'NAME'} and quotes the key and value, but carries no file or line.
     */
    public static final class Builder {
        private final String name;
        private ListenAddress listen;
        private HashType hash = HashType.FNV1A_64;
        private String hashTag;
        private Distribution distribution = Distribution.KETAMA;
        private int timeout = -1;
        private int backlog = 512;
        private int clientConnections;
        private boolean redis;
        private boolean tcpkeepalive;
        private boolean reuseport;
        private String redisAuth;
        private int redisDb;
        private boolean preconnect;
        private boolean autoEjectHosts;
        private int serverConnections = 1;
        private int serverRetryTimeout = 30_000;
        private int serverFailureLimit = 2;
        private final List<ServerSpec> servers = new ArrayList<>();

        public Builder(String poolName) {
            Objects.requireNonNull(poolName, "poolName");
            if (poolName.isEmpty()) {
                throw new IllegalArgumentException("pool name is empty");
            }
            if (ConfigValues.hasControl(poolName)) {
                // The name is a stats JSON key and a log word: no line breaks or other controls.
                throw new IllegalArgumentException("pool name '" + poolName.replaceAll("\\p{Cntrl}", "?")
                        + "' has a control character");
            }
            name = poolName;
        }

        public Builder(PoolConfig from) {
            name = from.name;
            listen = from.listen;
            hash = from.hash;
            hashTag = from.hashTag;
            distribution = from.distribution;
            timeout = from.timeout;
            backlog = from.backlog;
            clientConnections = from.clientConnections;
            redis = from.redis;
            tcpkeepalive = from.tcpkeepalive;
            reuseport = from.reuseport;
            redisAuth = from.redisAuth;
            redisDb = from.redisDb;
            preconnect = from.preconnect;
            autoEjectHosts = from.autoEjectHosts;
            serverConnections = from.serverConnections;
            serverRetryTimeout = from.serverRetryTimeout;
            serverFailureLimit = from.serverFailureLimit;
            servers.addAll(from.servers);
        }

        /**
         * Sets one key from its config text; the one place where a value is validated. A later
         * call for the same key overrides (the loader itself refuses duplicate keys in a file).
         */
        public Builder set(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (!KEYS.contains(key)) {
                throw fail("directive \"" + key + "\" is unknown");
            }
            if (key.equals("servers")) {
                throw fail("\"servers\" is a list: add or remove one server at a time");
            }
            if (value.isEmpty()) {
                throw fail("\"" + key + "\" is empty");
            }
            switch (key) {
                case "listen" -> listen = listenAddress(value);
                case "hash" -> hash = HashType.byConfigName(value)
                        .orElseThrow(() -> fail("hash '" + value + "' is not a valid hash"));
                case "hash_tag" -> hashTag = hashTag(value);
                case "distribution" -> distribution = Distribution.byConfigName(value)
                        .orElseThrow(() -> fail("distribution '" + value + "' is not a valid distribution"));
                case "timeout" -> timeout = number(key, value);
                case "backlog" -> backlog = number(key, value);
                case "client_connections" -> clientConnections = number(key, value);
                case "redis" -> redis = bool(key, value);
                case "tcpkeepalive" -> tcpkeepalive = bool(key, value);
                case "reuseport" -> reuseport = bool(key, value);
                case "redis_auth" -> redisAuth = value;
                case "redis_db" -> redisDb = number(key, value);
                case "preconnect" -> preconnect = bool(key, value);
                case "auto_eject_hosts" -> autoEjectHosts = bool(key, value);
                case "server_connections" -> serverConnections = serverConnections(value);
                case "server_retry_timeout" -> serverRetryTimeout = number(key, value);
                case "server_failure_limit" -> serverFailureLimit = number(key, value);
                default -> throw new AssertionError("key without a setter: " + key);
            }
            return this;
        }

        /** @throws IllegalArgumentException if a server with the same name is already there */
        public Builder addServer(ServerSpec server) {
            Objects.requireNonNull(server, "server");
            // The weight is not part of a default name, so h:p:1 and h:p:2 collide, as in nutcracker.
            if (servers.stream().anyMatch(s -> s.name().equals(server.name()))) {
                throw new IllegalArgumentException(
                        "pool '" + name + "' has servers with the same name '" + server.name() + "'");
            }
            servers.add(server);
            return this;
        }

        /** @throws IllegalArgumentException if the pool has no server with this name */
        public Builder removeServer(String serverName) {
            if (!servers.removeIf(s -> s.name().equals(serverName))) {
                throw fail("no server named '" + serverName + "'");
            }
            return this;
        }

        public Builder clearServers() {
            servers.clear();
            return this;
        }

        /** Checks the rules that involve more than one key and sorts the servers by name. */
        public PoolConfig build() {
            if (listen == null) {
                throw new RuleViolation(name, null, prefix() + "directive \"listen\" is missing");
            }
            if (servers.isEmpty()) {
                throw new RuleViolation(name, null, "pool '" + name + "' has no servers");
            }
            if (redisAuth != null && !redis) {
                throw new RuleViolation(name, "redis_auth", prefix() + "\"redis_auth\" is only valid for a redis pool");
            }
            List<ServerSpec> sorted = new ArrayList<>(servers);
            sorted.sort((a, b) -> NameOrder.INSTANCE.compare(a.name(), b.name()));
            return new PoolConfig(this, sorted);
        }

        private ListenAddress listenAddress(String value) {
            try {
                return ListenAddress.parse(value);
            } catch (IllegalArgumentException e) {
                throw fail(e.getMessage());
            }
        }

        private String hashTag(String value) {
            // nutcracker counts bytes, so a two-character non-ASCII tag is refused there too.
            if (ConfigValues.utf8Length(value) != 2) {
                throw fail("\"hash_tag\" must be two characters, like \"{}\", not \"" + value + "\"");
            }
            return value;
        }

        private int serverConnections(String value) {
            int n = number("server_connections", value);
            if (n == 0) {
                throw fail("\"server_connections\" cannot be 0");
            }
            return n;
        }

        private int number(String key, String value) {
            long n = ConfigValues.digits(value);
            if (n < 0) {
                throw fail("\"" + key + "\" is not a number: \"" + value + "\"");
            }
            if (n > Integer.MAX_VALUE) {
                throw fail("\"" + key + "\" is too large: \"" + value + "\" (at most " + Integer.MAX_VALUE + ")");
            }
            return (int) n;
        }

        /** Exactly "true" or "false": nutcracker does not take YAML's yes/no/on/True. */
        private boolean bool(String key, String value) {
            return switch (value) {
                case "true" -> true;
                case "false" -> false;
                default -> throw fail("\"" + key + "\" must be \"true\" or \"false\", not \"" + value + "\"");
            };
        }

        private String prefix() {
            return "pool '" + name + "': ";
        }

        private IllegalArgumentException fail(String why) {
            return new IllegalArgumentException(prefix() + why);
        }
    }
}
