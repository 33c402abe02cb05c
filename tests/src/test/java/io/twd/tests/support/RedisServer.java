package io.twd.tests.support;

import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code redis-server} on 127.0.0.1 for a test: no persistence, logs in
 * {@code tests/target/e2e-logs/redis-server-<port>.log}.
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final List<String> extraArgs;
    private ManagedProcess process;

    private RedisServer(int port, List<String> extraArgs) {
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
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

    private void launch() {
        List<String> cmd = new ArrayList<>(List.of(Binaries.require("redis-server"),
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", ManagedProcess.logDir().toString(),
                "--dbfilename", "redis-" + port + ".rdb",
                "--logfile", ""));
        cmd.addAll(extraArgs);
        process = ManagedProcess.builder("redis-server", cmd).waitForPort(port).start();
    }

    /** Starts it again on the same port with the same arguments (after {@link #stop()} or {@link #kill()}). */
    public RedisServer restart() {
        if (process != null && process.isAlive()) process.stop();
        launch();
        return this;
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** {@code 127.0.0.1:port} */
    public String address() {
        return host() + ":" + port;
    }

    /** A nutcracker server line, e.g. {@code 127.0.0.1:6380:1 r1}. */
    public String serverLine(int weight, String name) {
        return address() + ":" + weight + (name == null ? "" : " " + name);
    }

    public long pid() {
        return process.pid();
    }

    public ManagedProcess process() {
        return process;
    }

    /** A new client connected straight to this server (bypassing any proxy). */
    public Resp client() {
        return Resp.connect(host(), port);
    }

    public int stop() {
        return process.stop();
    }

    public int kill() {
        return process.kill();
    }

    @Override
    public void close() {
        process.stop();
    }

    @Override
    public String toString() {
        return "redis-server " + address() + " (pid " + pid() + ")";
    }
}
