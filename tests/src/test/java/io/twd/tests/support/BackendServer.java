package io.twd.tests.support;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link RedisServer} and {@link Memcached} have in common: a real server process on
 * 127.0.0.1 at a fixed port, started with its own arguments plus the test's, that can be stopped,
 * killed and started again on the same port. Logs in {@code tests/target/e2e-logs/<name>-<port>.log}.
 */
public abstract class BackendServer implements AutoCloseable {
    private final String program;
    private final int port;
    private final List<String> extraArgs;
    private ManagedProcess process;

    /** {@code program} is the binary, as {@link Binaries#require} finds it. */
    protected BackendServer(String program, int port, List<String> extraArgs) {
        this.program = program;
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** The program's own arguments for this port; the test's extra arguments follow them. */
    protected abstract List<String> arguments();

    /** Starts the process and waits until it listens. */
    protected final void launch() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Binaries.require(program));
        cmd.addAll(arguments());
        cmd.addAll(extraArgs);
        process = ManagedProcess.builder(program, cmd).waitForPort(port).start();
    }

    /** Starts it again on the same port with the same arguments (after {@link #stop()} or {@link #kill()}). */
    public BackendServer restart() {
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
        return program + " " + address() + " (pid " + pid() + ")";
    }
}
