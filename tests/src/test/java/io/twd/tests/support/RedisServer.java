package io.twd.tests.support;

import java.util.List;

/**
 * A real {@code redis-server} on 127.0.0.1 for a test: no persistence, logs in
 * {@code tests/target/e2e-logs/redis-server-<port>.log}.
 */
public final class RedisServer extends BackendServer {
    private RedisServer(int port, List<String> extraArgs) {
        super("redis-server", port, extraArgs);
    }

    /** Starts one on a free port; {@code extraArgs} are more {@code --option value} pairs. */
    public static RedisServer start(String... extraArgs) {
        return startOnPort(FreePorts.allocate(), extraArgs);
    }

    public static RedisServer startOnPort(int port, String... extraArgs) {
        RedisServer r = new RedisServer(port, List.of(extraArgs));
        r.launch();
        return r;
    }

    @Override
    protected List<String> arguments() {
        return List.of(
                "--port", Integer.toString(port()),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", ManagedProcess.logDir().toString(),
                "--dbfilename", "redis-" + port() + ".rdb",
                "--logfile", "");
    }

    @Override
    public RedisServer restart() {
        super.restart();
        return this;
    }

    /** A new client connected straight to this server (bypassing any proxy). */
    public Resp client() {
        return Resp.connect(host(), port());
    }
}
