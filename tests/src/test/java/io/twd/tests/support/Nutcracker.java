package io.twd.tests.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The reference proxy, Debian's {@code nutcracker} 0.5.0, started with a given config:
 * {@code nutcracker -c <file> -s <free port> -a 127.0.0.1 -o /dev/stderr [extraArgs]}. Returns once every
 * pool and the stats port listen. Log: {@code tests/target/e2e-logs/nutcracker-<port>.log}.
 */
public final class Nutcracker extends ProxyProcess {
    private Nutcracker(ManagedProcess p, java.nio.file.Path conf, int statsPort, Map<String, String> listens) {
        super(p, conf, statsPort, listens);
    }

    /**
     * {@code extraArgs} go after the defaults, e.g. {@code "-i", "100"} for a 100 ms stats
     * interval (the default is 30 s) or {@code "-v", "6"} for connection logging.
     * Do not pass {@code -c}, {@code -s}, {@code -a}, {@code -o} or {@code -d}.
     */
    public static Nutcracker start(String yaml, String... extraArgs) {
        int statsPort = FreePorts.allocate();
        java.nio.file.Path conf = writeConfig("nutcracker", statsPort, yaml);
        Map<String, String> listens = listensOf(yaml);
        List<String> cmd = new ArrayList<>(List.of(Binaries.require("nutcracker"),
                "-c", conf.toString(), "-s", Integer.toString(statsPort), "-a", "127.0.0.1",
                // Debian's build logs to /var/log/nutcracker/nutcracker.log by default; keep it in our log.
                "-o", "/dev/stderr"));
        cmd.addAll(List.of(extraArgs));
        ManagedProcess.Builder b = ManagedProcess.builder("nutcracker", cmd)
                .logName("nutcracker-" + statsPort)
                .waitForPort(statsPort);
        return new Nutcracker(awaitListens(b, listens).start(), conf, statsPort, listens);
    }

    /** Runs nutcracker to completion with these arguments, e.g. {@code run("-t", "-c", file)}. */
    public static ManagedProcess.Result run(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Binaries.require("nutcracker"));
        cmd.addAll(List.of(args));
        return ManagedProcess.run("nutcracker", Duration.ofSeconds(30), cmd);
    }
}
