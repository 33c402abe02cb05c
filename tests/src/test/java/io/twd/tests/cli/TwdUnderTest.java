package io.twd.tests.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.ManagedProcess;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.TwdProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real twd with an admin socket, in front of two real redis-servers, for driving with twctl.
 * Pools: {@code alpha} (redis, servers r1 and r2) and {@code beta} (redis, server b1 on r1).
 *
 * <p>Every applied change replaces the daemon process; tests report each new pid with
 * {@link #seen(long)}, and {@link #close()} stops every one of them (and any child they left, such
 * as a successor hung by fault injection) by pid, then checks they are gone.
 */
final class TwdUnderTest implements AutoCloseable {
    final RedisServer r1;
    final RedisServer r2;
    final Path dir;
    final Path socket;
    final Path config;
    final int alphaPort;
    final int betaPort;
    private final ManagedProcess first;
    private final Set<Long> pids = new LinkedHashSet<>();

    private TwdUnderTest(RedisServer r1, RedisServer r2, Path dir, Map<String, String> env, List<String> twdArgs) {
        this.r1 = r1;
        this.r2 = r2;
        this.dir = dir;
        this.socket = dir.resolve("admin.sock");
        this.config = dir.resolve("twd.yml");
        this.alphaPort = FreePorts.allocate();
        this.betaPort = FreePorts.allocate();
        write(config, yaml());
        int statsPort = FreePorts.allocate();
        List<String> cmd = TwdProcess.javaCommand();
        cmd.addAll(List.of("-c", config.toString(), "-s", Integer.toString(statsPort), "-a", "127.0.0.1",
                "--admin-socket", socket.toString()));
        cmd.addAll(twdArgs);
        ManagedProcess.Builder b = ManagedProcess.builder("twd", cmd).logName("twctl-twd-" + statsPort)
                .waitForPort(alphaPort).waitForPort(betaPort).waitForUnixSocket(socket);
        env.forEach(b::env);
        this.first = b.start();
        pids.add(first.pid());
    }

    static TwdUnderTest start() {
        return start(Map.of());
    }

    /** With extra environment for the daemon (fault injection) and extra twd flags. */
    static TwdUnderTest start(Map<String, String> env, String... twdArgs) {
        RedisServer r1 = RedisServer.start();
        RedisServer r2 = RedisServer.start();
        try {
            // Under /tmp: a unix socket path must stay short (108 bytes).
            Path dir = Files.createTempDirectory("twctl-e2e-");
            return new TwdUnderTest(r1, r2, dir, env, List.of(twdArgs));
        } catch (IOException | RuntimeException e) {
            r1.close();
            r2.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    String yaml() {
        return String.join("\n",
                "alpha:",
                "  listen: 127.0.0.1:" + alphaPort,
                "  redis: true",
                "  hash: fnv1a_64",
                "  distribution: ketama",
                "  servers:",
                "   - " + r1.serverLine(1, "r1"),
                "   - " + r2.serverLine(1, "r2"),
                "beta:",
                "  listen: 127.0.0.1:" + betaPort,
                "  redis: true",
                "  servers:",
                "   - " + r1.serverLine(1, "b1"),
                "");
    }

    TwctlRunner twctl() {
        return new TwctlRunner(socket);
    }

    ManagedProcess firstProcess() {
        return first;
    }

    /** A pid some answer named (a change's new process): stopped at the end. */
    void seen(long pid) {
        pids.add(pid);
    }

    /** The daemon's status, asked over the socket directly (not through twctl, which is under test). */
    JsonObject status() {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("status\n".getBytes(StandardCharsets.UTF_8)));
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            String statusLine = in.readLine();
            if (!"OK".equals(statusLine)) {
                throw new IllegalStateException("status answered " + statusLine);
            }
            StringBuilder body = new StringBuilder();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                body.append(line).append('\n');
            }
            JsonObject status = JsonParser.parseString(body.toString()).getAsJsonObject();
            seen(status.get("pid").getAsLong());
            return status;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long generation() {
        return status().get("generation").getAsLong();
    }

    static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Alive and not a zombie (an exited child its parent has not reaped yet counts as gone). */
    static boolean alive(long pid) {
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    /** Every twd this test caused, and their children, stopped by pid; then the servers. */
    @Override
    public void close() {
        try {
            if (Files.exists(socket)) {
                status(); // the pid serving now, if any
            }
        } catch (RuntimeException ignored) {
            // not answering: the pids seen so far are all there is to stop
        }
        List<ProcessHandle> all = new ArrayList<>();
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(h -> {
                h.descendants().forEach(all::add);
                all.add(h);
            });
        }
        for (ProcessHandle h : all) {
            h.destroy();
        }
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        first.stop(Duration.ofSeconds(2));
        r1.close();
        r2.close();
        List<Long> alive = new ArrayList<>();
        for (long pid : pids) {
            if (alive(pid)) {
                alive.add(pid);
            }
        }
        try {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(config);
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temp directory; not worth failing a test over
        }
        if (!alive.isEmpty()) {
            throw new AssertionError("twd processes still alive after the test: " + alive);
        }
    }
}
