package io.twd.tests.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.twd.protocol.admin.AdminResponse;
import io.twd.protocol.config.ConfigException;
import io.twd.protocol.config.ConfigLoader;
import io.twd.protocol.config.TwdConfig;
import io.twd.tests.support.AdminClient;
import io.twd.tests.support.TwdProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A twd under test for reload scenarios: admin socket, pid file and {@code java.io.tmpdir} (where
 * handoff sockets and candidate configs go) in a private directory, so leftovers are ours to find.
 * {@link #change} applies one change over the admin socket and checks what every applied change
 * must give: {@code OK generation=N+1 pid=P} with a new pid. Every pid is followed, so
 * {@link #close()} stops whichever process serves by then, and any other, by pid.
 */
final class LiveDaemon implements AutoCloseable {
    final TwdProcess twd;
    final Path dir;
    final Path admin;
    final Path pidFile;
    final Path tmp;
    /** Every process of the chain, first to current, as the admin replies named them. */
    final List<Long> pids = new ArrayList<>();
    /** How long each applied change took, from sending it to its OK, in ms. */
    final List<Long> applyMillis = new ArrayList<>();
    long generation;

    private LiveDaemon(TwdProcess twd, Path dir) {
        this.twd = twd;
        this.dir = dir;
        this.admin = dir.resolve("admin.sock");
        this.pidFile = dir.resolve("twd.pid");
        this.tmp = dir.resolve("tmp");
        pids.add(twd.pid());
        JsonObject status = AdminClient.json(twd.admin("status"));
        generation = status.get("generation").getAsLong();
        assertEquals(twd.pid(), status.get("pid").getAsLong(), "status pid");
    }

    static LiveDaemon start(String yaml, String... extraArgs) {
        return start(yaml, l -> { }, extraArgs);
    }

    static LiveDaemon start(String yaml, Consumer<TwdProcess.Launcher> customize, String... extraArgs) {
        Path dir;
        try {
            // Short: a unix socket path is limited to 107 bytes.
            dir = Files.createTempDirectory(Path.of("/tmp"), "twd-e2e-");
            Files.createDirectories(dir.resolve("tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> args = new ArrayList<>(List.of("--admin-socket", dir.resolve("admin.sock").toString(),
                "-p", dir.resolve("twd.pid").toString()));
        if (!List.of(extraArgs).contains("--handoff-timeout")) {
            // A new JVM's start is what a handoff waits for. On a saturated machine (these tests
            // load it on purpose; CI runners are shared) a thread dump showed a successor given
            // 60 ms of CPU in 12 s. The default 30 s then fails a change for reasons that are not
            // twd's: the tests allow 60 s (HandoffFailureTest checks the timeout itself).
            args.addAll(List.of("--handoff-timeout", "60"));
        }
        args.addAll(List.of(extraArgs));
        TwdProcess.Launcher l = TwdProcess.launcher().jvmArg("-Djava.io.tmpdir=" + dir.resolve("tmp"));
        customize.accept(l);
        try {
            return new LiveDaemon(l.start(yaml, args.toArray(String[]::new)), dir);
        } catch (RuntimeException | Error e) {
            deleteTree(dir);
            throw e;
        }
    }

    long pid() {
        return pids.get(pids.size() - 1);
    }

    AdminResponse admin(String line) {
        return AdminClient.once(admin, line);
    }

    /**
     * Applies a change on a new admin connection and checks the reply: OK, the generation one up,
     * a new pid. Returns the reply's generation and pid.
     */
    AdminClient.Applied change(String line) {
        try (AdminClient c = AdminClient.connect(admin)) {
            return change(c, line);
        }
    }

    /** {@link #change(String)} on a given admin connection. */
    AdminClient.Applied change(AdminClient c, String line) {
        long t0 = System.nanoTime();
        AdminResponse r = c.call(line);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        AdminClient.Applied a = AdminClient.applied(r);
        twd.follow(a.pid());
        assertNotEquals(pid(), a.pid(), "'" + line + "' must hand over to a new process: " + r.text());
        assertEquals(generation + 1, a.generation(), "generation after '" + line + "'");
        try {
            assertEquals(Long.toString(a.pid()), Files.readString(pidFile).trim(), "the pid file when '" + line + "' answered OK");
        } catch (IOException e) {
            throw new AssertionError("no pid file when '" + line + "' answered OK: " + e);
        }
        // The successor said it was ready before READY, so before this OK: what it did once
        // before taking over (the first log line among it) is done by then, not after GO.
        String ready = "twd[" + a.pid() + "]: handoff: ready to take over from pid " + pid()
                + " (generation " + generation + ")";
        assertTrue(twd.process().log().contains(ready),
                "the new process logs '" + ready + "' before the OK of '" + line + "'");
        applyMillis.add(ms);
        pids.add(a.pid());
        generation = a.generation();
        return a;
    }

    /** Notes a change applied by other means (a signal): waits for the pid file to name a new process. */
    long awaitNewPid(long previous, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            try {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                if (pid != previous) {
                    twd.follow(pid);
                    pids.add(pid);
                    JsonObject status = AdminClient.json(admin("status"));
                    if (status.get("pid").getAsLong() == pid) {
                        assertEquals(generation + 1, status.get("generation").getAsLong(), "generation");
                        generation++;
                        return pid;
                    }
                    pids.remove(pids.size() - 1);
                }
            } catch (IOException | NumberFormatException | UncheckedIOException e) {
                // being replaced
            }
            sleep(20);
        }
        throw new AssertionError("the pid file still names " + previous + " after " + timeoutMillis + " ms\n" + twd.logTail());
    }

    /** Waits until {@code pid} has exited (a zombie counts as exited). */
    void awaitExit(long pid, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (TwdProcess.isRunning(pid)) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("pid " + pid + " still runs after " + timeoutMillis + " ms\n" + twd.logTail());
            }
            sleep(20);
        }
    }

    /** Every process but the current one has exited; the current one runs. */
    void assertOnlyCurrentRuns(long timeoutMillis) {
        for (long p : twd.pidsSeen()) {
            if (p != pid()) awaitExit(p, timeoutMillis);
        }
        assertTrue(TwdProcess.isRunning(pid()), "the current process " + pid() + " runs");
        assertEquals(List.of(pid()), twd.livePids(), "twd processes running");
    }

    JsonObject poolShow(String pool) {
        return AdminClient.json(admin("pool show " + pool));
    }

    /** The config file as twd left it on disk. */
    TwdConfig configOnDisk() {
        try {
            return ConfigLoader.load(twd.configFile());
        } catch (ConfigException e) {
            throw new AssertionError("the config file on disk does not load: " + e.getMessage());
        }
    }

    byte[] configBytes() {
        try {
            return Files.readAllBytes(twd.configFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Files twd left in its private tmpdir (handoff sockets, candidate configs) and next to its config file. */
    List<String> leftoverFiles() {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(tmp)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("twd-")).forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String conf = twd.configFile().getFileName().toString();
        try (Stream<Path> s = Files.list(twd.configFile().getParent())) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("." + conf + ".")).forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    String logTail() {
        return twd.process().logTail(60);
    }

    @Override
    public void close() {
        try {
            twd.close();
        } finally {
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // already gone
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String stats(List<Long> millis) {
        if (millis.isEmpty()) return "none";
        List<Long> s = new ArrayList<>(millis);
        s.sort(null);
        long sum = 0;
        for (long m : s) sum += m;
        return String.format("%d changes, apply time min %d / median %d / max %d ms (mean %d)",
                s.size(), s.get(0), s.get(s.size() / 2), s.get(s.size() - 1), sum / s.size());
    }
}
