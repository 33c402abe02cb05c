package io.twd.tests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.twd.protocol.admin.AdminResponse;
import io.twd.protocol.config.ConfigLoader;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.ManagedProcess;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A handoff that goes wrong at any step leaves a daemon serving, tells the operator what
 * happened, and never leaves the config file half-written. The new process is made to die or
 * hang at each step with TWD_HANDOFF_FAULT (handoff/Faults.java); the old one is killed while it
 * drains; the config file's file system is made read-only or full (tmpfs, needs root).
 *
 * <p>Failures before READY (after-hello, before-ready, hang-before-ready, a bind error) are
 * reload/HandoffFailureTest's; this class covers what comes after: the new process dying once
 * the old one has stopped accepting, the old one dying, and the config file's file system.
 */
class HandoffFaultsTest {
    private static RedisServer r1;
    private static RedisServer r2;

    @BeforeAll
    static void start() {
        r1 = RedisServer.start();
        r2 = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        r1.close();
        r2.close();
    }

    private static String yaml() {
        return String.join("\n",
            "alpha:",
            "  listen: 127.0.0.1:" + FreePorts.allocate(),
            "  redis: true",
            "  servers:",
            "   - " + r1.serverLine(1, "r1"),
            "   - " + r2.serverLine(1, "r2"),
            "");
    }

    private static List<String> keys(int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add("hf" + i);
        }
        return keys;
    }

    private static JsonObject status(LiveTwd twd) {
        AdminResponse r = twd.admin("status");
        assertTrue(r.ok(), r.toString());
        return JsonParser.parseString(String.join("\n", r.body())).getAsJsonObject();
    }

    /**
     * The new process dies after the old one stopped accepting: right after GO, or while clients
     * move to it. The old process notices, takes its listening sockets back (it kept them, not
     * accepting) and the clients it still holds, and goes on serving with the old config; the
     * config file is put back. Clients that had already moved are lost with the new process; they
     * reconnect and are served. Without this, nobody would listen any more.
     */
    @ParameterizedTest
    @ValueSource(strings = {"after-go", "during-migration"})
    void aNewProcessDyingAfterGoIsRolledBack(String fault) throws Exception {
        try (LiveTwd twd = LiveTwd.start(yaml(), Map.of("TWD_HANDOFF_FAULT", fault));
             RedisLoad load = new RedisLoad(twd.port(), 4, keys(40), true)) {
            long pid = twd.livePid();
            String file = Files.readString(twd.configFile());
            load.awaitProgress(100);
            AdminResponse r = twd.admin("pool set alpha timeout=1000");
            // The change went live before the new process died: its reply says so.
            assertTrue(r.ok() || r.text().contains("the new process"), r.toString());
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (twd.logLines("taking serving back").isEmpty() && System.nanoTime() < deadline) {
                LiveTwd.sleep(50);
            }
            assertEquals(1, twd.logLines("taking serving back").size(), twd.logTail());
            load.awaitProgress(200);
            long failuresAfterRollback = load.failures().size();
            load.awaitProgress(200);
            assertEquals(failuresAfterRollback, load.failures().size(), "no failure once rolled back: " + load.failures());
            for (RedisLoad.Failure f : load.failures()) {
                assertTrue(f.what().startsWith("connection:"), "only lost connections, never a wrong reply: " + f);
            }
            assertEquals(pid, twd.livePid(), "the pid file names the old process again");
            JsonObject st = status(twd);
            assertEquals(pid, st.get("pid").getAsLong());
            assertEquals(1, st.get("generation").getAsLong());
            assertEquals(file, Files.readString(twd.configFile()), "the config file is put back");
            try (Resp c = twd.redis("alpha")) {
                assertEquals("PONG", c.call("PING"), "new connections are accepted");
            }
            assertTrue(twd.stats().metric("uptime") >= 0, "the stats port is back");
        }
    }

    /**
     * The old process is killed while it drains. Clients it had already moved go on with the new
     * process; a client it still held (its request stuck on a frozen backend, so it never reached
     * a request boundary) is lost. The new process goes on serving.
     */
    @Test
    void theOldProcessKilledWhileDraining() throws Exception {
        try (LiveTwd twd = LiveTwd.start(yaml());
             Resp moved1 = twd.redis("alpha");
             Resp moved2 = twd.redis("alpha");
             Resp stuck = twd.redis("alpha")) {
            String onR1 = keyOn(r1, twd);
            assertEquals("OK", moved1.call("SET", "m1", "1"));
            assertEquals("OK", moved2.call("SET", "m2", "2"));
            long oldPid = twd.livePid();
            r1.process().signal("STOP");
            try {
                stuck.send("GET", onR1);
                LiveTwd.sleep(200);
                AdminResponse r = twd.admin("pool set alpha server_retry_timeout=31000");
                assertTrue(r.ok(), r.toString());
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (status(twd).get("client_connections").getAsLong() < 2 && System.nanoTime() < deadline) {
                    LiveTwd.sleep(50);
                }
                ProcessHandle.of(oldPid).ifPresent(ProcessHandle::destroyForcibly);
                assertTrue(LiveTwd.awaitExit(oldPid, Duration.ofSeconds(10)));
            } finally {
                r1.process().signal("CONT");
            }
            assertTrue(stuck.isClosedByPeer(Duration.ofSeconds(5)), "the client the old process held is lost");
            assertEquals("1", moved1.call("GET", "m1"), "moved clients go on");
            assertEquals("2", moved2.call("GET", "m2"));
            assertTrue(twd.livePid() != oldPid);
            try (Resp c = twd.redis("alpha")) {
                assertEquals("PONG", c.call("PING"));
            }
            JsonObject st = status(twd);
            assertEquals(2, st.get("generation").getAsLong());
        }
    }

    /** A key the pool places on {@code server}: set through twd, found there directly. */
    private static String keyOn(RedisServer server, LiveTwd twd) {
        try (Resp c = twd.redis("alpha"); Resp direct = server.client()) {
            for (int i = 0; i < 100; i++) {
                String k = "probe" + i;
                assertEquals("OK", c.call("SET", k, "x"));
                if ("x".equals(direct.call("GET", k))) {
                    return k;
                }
            }
        }
        throw new AssertionError("no key lands on " + server);
    }

    // ------------------------------------------------------------- the config file's file system

    /** A tmpfs of {@code size} at a new directory, or null when mounting is not allowed here. */
    private static Path tmpfs(String size) throws IOException {
        Path dir = Files.createTempDirectory("twd-fs-");
        ManagedProcess.Result r = ManagedProcess.run("mount", Duration.ofSeconds(10),
            List.of("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", dir.toString()));
        if (r.exitCode() != 0) {
            Files.delete(dir);
            return null;
        }
        return dir;
    }

    private static void umount(Path dir) throws IOException {
        ManagedProcess.run("umount", Duration.ofSeconds(10), List.of("umount", "-l", dir.toString()));
        Files.deleteIfExists(dir);
    }

    private static void remount(Path dir, String mode) {
        ManagedProcess.Result r = ManagedProcess.run("mount", Duration.ofSeconds(10),
            List.of("mount", "-o", "remount," + mode, dir.toString()));
        assertEquals(0, r.exitCode(), r.output());
    }

    /**
     * The config file's directory is read-only when a pool change goes live: the change is live
     * all the same, the reply carries a warning saying the file was not written and why, and
     * the file is the old one, whole.
     */
    @Test
    void anUnwritableConfigFileIsReportedAndLeftWhole() throws Exception {
        Path fs = tmpfs("256k");
        assumeTrue(fs != null, "mounting a tmpfs needs root (CAP_SYS_ADMIN); skipped");
        try {
            Path conf = fs.resolve("twd.yml");
            try (LiveTwd twd = LiveTwd.start(yaml(), Map.of(), conf)) {
                String before = Files.readString(conf);
                remount(fs, "ro");
                AdminResponse r = twd.admin("pool set alpha timeout=1234");
                assertTrue(r.ok(), r.toString());
                assertTrue(r.text().matches("generation=2 pid=\\d+ warning=\"config file not written: .*Read-only file system.*\""),
                    r.text());
                assertEquals(before, Files.readString(conf));
                assertTrue(String.join("\n", twd.admin("pool show alpha").body()).contains("\"timeout\": \"1234\""),
                    "the change is live");
                remount(fs, "rw");
                try (Resp c = twd.redis("alpha")) {
                    assertEquals("PONG", c.call("PING"));
                }
            }
        } finally {
            umount(fs);
        }
    }

    /**
     * The disk is full: the file write fails half-way, and the file is still the old one (the
     * temp file is gone too). And when even the handoff's own temp file cannot be written, the
     * change is refused with the reason and nothing changes.
     */
    @Test
    void aFullDiskIsReportedAndTheFileIsNeverHalfWritten() throws Exception {
        Path fs = tmpfs("64k");
        assumeTrue(fs != null, "mounting a tmpfs needs root (CAP_SYS_ADMIN); skipped");
        Path tmp = tmpfs("64k");
        try {
            Path conf = fs.resolve("twd.yml");
            try (LiveTwd twd = LiveTwd.start(yaml(), Map.of("JAVA_TOOL_OPTIONS",
                    "-Djava.io.tmpdir=" + tmp + " -Dio.netty.native.workdir=" + System.getProperty("java.io.tmpdir")), conf)) {
                String before = Files.readString(conf);
                fill(fs);
                // A new server line makes the file longer than the few bytes left.
                AdminResponse r = twd.admin("pool set alpha server+=\"127.0.0.1:" + FreePorts.allocate()
                    + ":1 " + "r3".repeat(40) + "\"");
                assertTrue(r.ok(), r.toString());
                assertTrue(r.text().contains("warning=\"config file not written: ") && r.text().contains("No space left"),
                    r.text());
                assertEquals(before, Files.readString(conf), "the old file, whole");
                ConfigLoader.load(conf);
                try (Stream<Path> files = Files.list(fs)) {
                    assertEquals(List.of("fill", "twd.yml"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                        "no temp file left behind");
                }

                fill(tmp);
                AdminResponse refused = twd.admin("pool set alpha timeout=99");
                assertFalse(refused.ok(), refused.toString());
                assertTrue(refused.text().startsWith("change not applied: ") && refused.text().contains("No space left"),
                    refused.text());
                try (Resp c = twd.redis("alpha")) {
                    assertEquals("PONG", c.call("PING"), "still serving");
                }
            }
        } finally {
            umount(fs);
            if (tmp != null) {
                umount(tmp);
            }
        }
    }

    /** Fills a file system to the last few bytes. */
    private static void fill(Path fs) throws IOException {
        Path filler = fs.resolve("fill");
        byte[] block = new byte[1024];
        try (var out = Files.newOutputStream(filler, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            // full now
        }
    }
}
