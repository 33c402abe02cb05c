package io.twd.tests.support;

import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code memcached} on 127.0.0.1 for a test: TCP only, 64 MB, logs in
 * {@code tests/target/e2e-logs/memcached-<port>.log}.
 */
public final class Memcached implements AutoCloseable {
    private final int port;
    private final List<String> extraArgs;
    private ManagedProcess process;

    private Memcached(int port, List<String> extraArgs) {
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** Starts one on a free port; {@code extraArgs} are more memcached flags (e.g. {@code "-I", "2m"}). */
    public static Memcached start(String... extraArgs) {
        return startOnPort(FreePorts.allocate(), extraArgs);
    }

    public static Memcached startOnPort(int port, String... extraArgs) {
        Memcached m = new Memcached(port, List.of(extraArgs));
        m.launch();
        return m;
    }

    private void launch() {
        List<String> cmd = new ArrayList<>(List.of(Binaries.require("memcached"),
                "-p", Integer.toString(port), "-l", "127.0.0.1", "-U", "0", "-m", "64"));
        // memcached refuses to run as root unless told which user to be.
        if ("root".equals(System.getProperty("user.name"))) cmd.addAll(List.of("-u", "root"));
        cmd.addAll(extraArgs);
        process = ManagedProcess.builder("memcached", cmd).waitForPort(port).start();
    }

    /** Starts it again on the same port with the same arguments (the cache starts empty). */
    public Memcached restart() {
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

    /** A nutcracker server line, e.g. {@code 127.0.0.1:11212:1 mc1}. */
    public String serverLine(int weight, String name) {
        return address() + ":" + weight + (name == null ? "" : " " + name);
    }

    public long pid() {
        return process.pid();
    }

    public ManagedProcess process() {
        return process;
    }

    /** A new client connected straight to this server. */
    public Memc client() {
        return Memc.connect(host(), port);
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
        return "memcached " + address() + " (pid " + pid() + ")";
    }
}
