package io.twd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.ManagedProcess;
import io.twd.tests.support.Nutcracker;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.TwdProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * twd's command line as twd(8) describes it: {@code -t} prints {@code file:line: reason} for a
 * bad config, start errors exit 1 with the reason, {@code -d} returns once the daemon serves,
 * and the pid file follows the daemon's life.
 */
class CommandLineTest {
    private static RedisServer backend;

    @BeforeAll
    static void start() {
        backend = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        backend.stop();
    }

    private static Path write(String name, String yaml) throws IOException {
        Path f = ManagedProcess.logDir().resolve("cli-" + name + "-" + ProcessHandle.current().pid() + ".yml");
        Files.writeString(f, yaml, StandardCharsets.UTF_8);
        return f;
    }

    private static String goodConfig(int port) {
        return String.join("\n",
                "alpha:",
                "  listen: 127.0.0.1:" + port,
                "  redis: true",
                "  hash: md5",
                "  servers:",
                "   - " + backend.serverLine(1, "r1"),
                "");
    }

    @Test
    void testConfOnAGoodConfig() throws Exception {
        Path f = write("good", goodConfig(FreePorts.allocate()));
        ManagedProcess.Result r = TwdProcess.run("-t", "-c", f.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("syntax is ok"), r.output());
        assertEquals(0, Nutcracker.run("-t", "-c", f.toString()).exitCode(), "nutcracker agrees");
    }

    @Test
    void testConfPointsAtTheLineAndSaysWhy() throws Exception {
        String head = "alpha:\n  listen: 127.0.0.1:" + FreePorts.allocate() + "\n  redis: true\n";
        String servers = "  servers:\n   - 127.0.0.1:6379:1 r1\n   - 127.0.0.1:6380:1 r2\n";
        // name, yaml, expected first line (after "<file>:")
        List<String[]> cases = List.of(
                new String[] {"badhash",
                    head + "  timeout: 400\n  backlog: 1024\n  preconnect: false\n  hash: fnv9\n" + servers,
                    "7: pool 'alpha': hash 'fnv9' is not a valid hash"},
                new String[] {"unknownkey",
                    head + "  colour: blue\n" + servers,
                    "4: pool 'alpha': directive \"colour\" is unknown"},
                new String[] {"dupname",
                    head + "  servers:\n   - 127.0.0.1:6379:1 r1\n   - 127.0.0.1:6380:1 r1\n",
                    "6: pool 'alpha' has servers with the same name 'r1'"},
                new String[] {"badbool",
                    head + "  auto_eject_hosts: yes\n" + servers,
                    "4: pool 'alpha': \"auto_eject_hosts\" must be \"true\" or \"false\", not \"yes\""});
        for (String[] c : cases) {
            Path f = write(c[0], c[1]);
            ManagedProcess.Result r = TwdProcess.run("-t", "-c", f.toString());
            assertEquals(1, r.exitCode(), c[0] + ": " + r.output());
            String firstLine = r.output().lines().findFirst().orElse("");
            assertEquals(f + ":" + c[2], firstLine, c[0]);
            assertTrue(r.output().contains("syntax is invalid"), c[0] + ": " + r.output());
            assertEquals(1, Nutcracker.run("-t", "-c", f.toString()).exitCode(), c[0] + ": nutcracker rejects it too");
        }
    }

    @Test
    void informationalFlagsExitZero() {
        ManagedProcess.Result v = TwdProcess.run("-V");
        assertEquals(0, v.exitCode(), v.output());
        assertTrue(v.output().contains("twd-"), v.output());
        ManagedProcess.Result h = TwdProcess.run("-h");
        assertEquals(0, h.exitCode(), h.output());
        for (String flag : List.of("--test-conf", "--daemonize", "--conf-file", "--stats-port", "--pid-file", "--mbuf-size")) {
            assertTrue(h.output().contains(flag), "-h mentions " + flag + ": " + h.output());
        }
        ManagedProcess.Result d = TwdProcess.run("-D");
        assertEquals(0, d.exitCode(), d.output());
        // The same metrics nutcracker describes.
        assertEquals(metricNames(Nutcracker.run("-D").output()), metricNames(d.output()));
        ManagedProcess.Result bad = TwdProcess.run("--no-such-flag");
        assertEquals(2, bad.exitCode(), "a usage error: " + bad.output());
    }

    @Test
    void threadsDefaultToHalfTheCores() {
        // This JVM and the daemon's see the same CPUs (cgroup limits included).
        int expected = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        ManagedProcess.Result h = TwdProcess.run("-h");
        assertTrue(h.output().replaceAll("\\s+", " ").contains("half the cores, at least 1; here " + expected + ")"),
            "the default --threads here is " + expected + ": " + h.output());
    }

    private static TreeSet<String> metricNames(String describe) {
        TreeSet<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\s+([a-z_]+)\\s+\"").matcher(describe);
        while (m.find()) names.add(m.group(1));
        assertTrue(names.size() > 15, "metric names in: " + describe);
        return names;
    }

    @Test
    void aTakenPoolPortIsAStartError() throws Exception {
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), FreePorts.allocate()));
            int port = squatter.getLocalPort();
            Path f = write("poolport", goodConfig(port));
            ManagedProcess.Result r = TwdProcess.run("-c", f.toString(), "-s", Integer.toString(FreePorts.allocate()),
                    "-a", "127.0.0.1");
            assertEquals(1, r.exitCode(), r.output());
            assertTrue(r.output().contains("alpha") && r.output().contains("127.0.0.1:" + port)
                    && r.output().contains("Address already in use"), r.output());
        }
    }

    @Test
    void aTakenStatsPortIsAStartError() throws Exception {
        int poolPort = FreePorts.allocate();
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), FreePorts.allocate()));
            int statsPort = squatter.getLocalPort();
            Path f = write("statsport", goodConfig(poolPort));
            ManagedProcess.Result r = TwdProcess.run("-c", f.toString(), "-s", Integer.toString(statsPort), "-a", "127.0.0.1");
            assertEquals(1, r.exitCode(), r.output());
            assertTrue(r.output().contains(Integer.toString(statsPort)) && r.output().contains("Address already in use"),
                    r.output());
        }
        // Nothing stays bound after a failed start.
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), poolPort));
        }
    }

    @Test
    void daemonizeReturnsOnceServingAndThePidFileFollowsTheDaemon() throws Exception {
        int port = FreePorts.allocate();
        Path f = write("daemon", goodConfig(port));
        Path pidFile = ManagedProcess.logDir().resolve("cli-daemon-" + ProcessHandle.current().pid() + ".pid");
        Files.deleteIfExists(pidFile);
        ManagedProcess.Result r = TwdProcess.run("-d", "-c", f.toString(), "-s", Integer.toString(FreePorts.allocate()),
                "-a", "127.0.0.1", "-p", pidFile.toString(), "-o", ManagedProcess.logDir().resolve("cli-daemon.log").toString());
        Optional<ProcessHandle> daemon = Optional.empty();
        try {
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(Files.exists(pidFile), "pid file written before -d returns");
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            daemon = ProcessHandle.of(pid);
            assertTrue(daemon.isPresent() && daemon.get().isAlive(), "the pid file names a live process: " + pid);
            assertTrue(daemon.get().info().commandLine().orElse("").contains("io.twd.daemon.Twd")
                            || daemon.get().info().arguments().map(a -> String.join(" ", a)).orElse("").contains("Twd"),
                    "pid " + pid + " is twd: " + daemon.get().info());
            // Serving already: no wait needed.
            try (Resp c = Resp.connect(port)) {
                assertEquals("OK", c.call("SET", "daemon:k", "up"));
                assertEquals("up", c.call("GET", "daemon:k"));
            }
            assertTrue(daemon.get().destroy(), "SIGTERM by pid"); // SIGTERM
            Optional<ProcessHandle> d = daemon;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (d.get().isAlive() && System.nanoTime() < deadline) Thread.sleep(50);
            assertFalse(daemon.get().isAlive(), "SIGTERM stops the daemon");
            deadline = System.nanoTime() + 2_000_000_000L;
            while (Files.exists(pidFile) && System.nanoTime() < deadline) Thread.sleep(50);
            assertFalse(Files.exists(pidFile), "a clean stop removes the pid file");
        } finally {
            daemon.filter(ProcessHandle::isAlive).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void daemonizeWithABadConfigFailsWithTheReason() throws Exception {
        Path f = write("daemonbad", "alpha:\n  listen: 127.0.0.1:" + FreePorts.allocate() + "\n  hash: nope\n"
                + "  servers:\n   - 127.0.0.1:6379:1\n");
        ManagedProcess.Result r = TwdProcess.run("-d", "-c", f.toString(), "-s", Integer.toString(FreePorts.allocate()));
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains(f + ":3: pool 'alpha': hash 'nope' is not a valid hash"), r.output());
    }
}
