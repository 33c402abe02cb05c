package io.twd.tests.support;

import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code memcached} on 127.0.0.1 for a test: TCP only, 64 MB, logs in
 * {@code tests/target/e2e-logs/memcached-<port>.log}.
 */
public final class Memcached extends BackendServer {
    private Memcached(int port, List<String> extraArgs) {
        super("memcached", port, extraArgs);
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

    @Override
    protected List<String> arguments() {
        List<String> cmd = new ArrayList<>(List.of(
                "-p", Integer.toString(port()), "-l", "127.0.0.1", "-U", "0", "-m", "64"));
        // memcached refuses to run as root unless told which user to be.
        if ("root".equals(System.getProperty("user.name"))) cmd.addAll(List.of("-u", "root"));
        return cmd;
    }

    /** Starts it again on the same port with the same arguments (the cache starts empty). */
    @Override
    public Memcached restart() {
        super.restart();
        return this;
    }

    /** A new client connected straight to this server. */
    public Memc client() {
        return Memc.connect(host(), port());
    }
}
