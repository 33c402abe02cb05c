package io.twd.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.twd.protocol.admin.AdminProtocol;
import io.twd.tests.cli.TwctlRunner.Result;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.Resp;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every twctl subcommand against a real twd (and two real redis-servers), run as a separate process:
 * the output formats, {@code -o json} parsed back, the socket from {@code -s} or
 * {@code $TWCTL_SOCKET}, and exit statuses 0 to 3 (4 is in {@link TwctlFailuresTest}). Changes are
 * applied for real, each one by a new daemon process; the tests run in order on one daemon.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwctlCommandsTest {
    private TwdUnderTest twd;
    private TwctlRunner twctl;

    @BeforeAll
    void start() {
        twd = TwdUnderTest.start();
        twctl = twd.twctl();
    }

    @AfterAll
    void stop() {
        if (twd != null) {
            twd.close();
        }
    }

    private Result ok(String... args) {
        Result r = twctl.run(args);
        assertEquals(0, r.exit(), r::toString);
        return r;
    }

    private Result fails(int exit, String stderrPart, String... args) {
        Result r = twctl.run(args);
        assertEquals(exit, r.exit(), r::toString);
        assertTrue(r.err().contains(stderrPart), () -> "stderr should contain '" + stderrPart + "': " + r);
        return r;
    }

    @Test
    @Order(1)
    void helpListsEveryCommandOptionAndExitStatus() {
        String help = ok("--help").out();
        for (String command : List.of("status", "ping", "pool", "reload", "upgrade", "config", "stats", "shell", "help")) {
            assertTrue(help.contains("\n  " + command + " "), command + " in:\n" + help);
        }
        for (String status : List.of("0   done", "1   rejected", "2   usage error", "3   cannot reach", "4   timed out")) {
            assertTrue(help.contains(status), status + " in:\n" + help);
        }
        String add = ok("pool", "add", "--help").out();
        for (String key : AdminProtocol.POOL_KEYS) {
            assertTrue(add.contains("--" + key.replace('_', '-')), key + " has an option in:\n" + add);
        }
        String set = ok("help", "pool", "set").out();
        assertTrue(set.contains("--server-add=SPEC") && set.contains("--server-remove=SERVER"), set);
        assertTrue(ok("--version").out().startsWith("twctl 0.1.0"));
    }

    @Test
    @Order(2)
    void queriesPrintPlainTextWhenNotOnATerminal() {
        JsonObject status = twd.status();
        String plain = ok("status").out();
        assertTrue(plain.contains("pid: " + status.get("pid").getAsLong() + "\n"), plain);
        assertTrue(plain.contains("generation: " + status.get("generation").getAsLong() + "\n"), plain);
        assertTrue(plain.contains("pools: beta alpha\n"), plain);
        assertEquals("pong\n", ok("ping").out());
        assertEquals("beta\nalpha\n", ok("pool", "list").out());
        String show = ok("pool", "show", "alpha").out();
        assertTrue(show.contains("listen: 127.0.0.1:" + twd.alphaPort + "\n"), show);
        assertTrue(show.contains("server: " + twd.r1.serverLine(1, "r1") + "\n"), show);
        String yaml = ok("config", "show").out();
        assertTrue(yaml.contains("alpha:\n  listen: 127.0.0.1:" + twd.alphaPort + "\n"), yaml);
        JsonObject stats = ok("stats").json().getAsJsonObject();
        assertTrue(stats.getAsJsonObject("alpha").has("r1"), stats::toString);
        assertEquals(twd.config + ": syntax is ok\n", ok("config", "check").out());
    }

    @Test
    @Order(3)
    void jsonParsesBack() {
        JsonObject status = ok("status", "-o", "json").json().getAsJsonObject();
        assertEquals(twd.status().get("pid").getAsLong(), status.get("pid").getAsLong());
        assertEquals(twd.socket.toString(), status.get("admin_socket").getAsString());
        assertTrue(ok("-o", "json", "ping").json().getAsJsonObject().get("ok").getAsBoolean());
        JsonArray pools = ok("pool", "list", "-o", "json").json().getAsJsonArray();
        assertEquals(List.of("beta", "alpha"), pools.asList().stream().map(e -> e.getAsString()).toList());
        JsonObject alpha = ok("pool", "show", "alpha", "-o", "json").json().getAsJsonObject();
        assertEquals("127.0.0.1:" + twd.alphaPort, alpha.get("listen").getAsString());
        assertEquals(List.of(twd.r1.serverLine(1, "r1"), twd.r2.serverLine(1, "r2")),
                alpha.getAsJsonArray("servers").asList().stream().map(e -> e.getAsString()).toList());
        JsonObject config = ok("config", "show", "-o", "json").json().getAsJsonObject();
        assertEquals("fnv1a_64", config.getAsJsonObject("beta").get("hash").getAsString());
        assertEquals(twd.r1.serverLine(1, "b1"), config.getAsJsonObject("beta").getAsJsonArray("servers").get(0).getAsString());
        assertEquals("nutcracker", ok("stats", "-o", "json").json().getAsJsonObject().get("service").getAsString());
        JsonObject check = ok("config", "check", "-o", "json").json().getAsJsonObject();
        assertTrue(check.get("ok").getAsBoolean());
        assertEquals(twd.config.toString(), check.get("file").getAsString());
    }

    @Test
    @Order(4)
    void tablesForPeople() {
        String pools = ok("-o", "table", "pool", "list").out();
        assertTrue(pools.startsWith("POOL "), pools);
        assertTrue(pools.matches("(?s).*\nalpha +127\\.0\\.0\\.1:" + twd.alphaPort + " +redis +fnv1a_64/ketama +2\n.*"), pools);
        String show = ok("pool", "show", "alpha", "-o", "table").out();
        assertTrue(show.matches("(?s).*\nSERVER +ADDRESS +WEIGHT\nr1 +" + twd.r1.address() + " +1\n.*"), show);
        assertTrue(ok("status", "-o", "table").out().matches("(?s).*\ngeneration +\\d+\n.*"));
        assertTrue(ok("stats", "-o", "table").out().contains("POOL "));
        assertTrue(ok("ping", "-o", "table").out().startsWith("pong from " + twd.socket + " in "));
    }

    @Test
    @Order(5)
    void socketFromTheOptionOrTheEnvironment() throws IOException {
        TwctlRunner elsewhere = new TwctlRunner(twd.dir.resolve("missing.sock"));
        Result missing = elsewhere.run("ping");
        assertEquals(3, missing.exit(), missing::toString);
        assertTrue(missing.err().contains("missing.sock does not exist"), missing::toString);
        assertEquals(0, elsewhere.run("-s", twd.socket.toString(), "ping").exit());
        assertEquals(0, elsewhere.run("ping", "--socket", twd.socket.toString()).exit());
        JsonObject json = elsewhere.run("status", "-o", "json").json().getAsJsonObject();
        assertFalse(json.get("ok").getAsBoolean());
        assertEquals(3, json.get("exit").getAsInt());

        // A socket file nobody listens on, as a killed daemon leaves behind.
        Path stale = twd.dir.resolve("stale.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale));
        }
        Result refused = twctl.run("-s", stale.toString(), "status");
        assertEquals(3, refused.exit(), refused::toString);
        assertTrue(refused.err().contains("nothing listens there"), refused::toString);
        Files.delete(stale);
    }

    @Test
    @Order(6)
    void usageErrorsExit2AndSendNothing() throws IOException {
        long generation = twd.generation();
        String file = Files.readString(twd.config);
        String server = twd.r1.serverLine(1, null);
        fails(2, "unknown command 'frob'", "frob");
        fails(2, "Unknown option: '--frob'", "status", "--frob");
        fails(2, "pool: missing subcommand (list, show, add, set or del)", "pool");
        fails(2, "hash 'md6' is not a valid hash (nothing was sent)",
                "pool", "add", "c1", "--listen", "127.0.0.1:1", "--hash", "md6", "--server", server);
        fails(2, "has an invalid port \"0\"", "pool", "add", "c1", "--listen", "127.0.0.1:1", "--server", "127.0.0.1:0:1");
        fails(2, "--listen is required", "pool", "add", "c1", "--server", server);
        fails(2, "at least one --server is required", "pool", "add", "c1", "--listen", "127.0.0.1:1");
        fails(2, "pool name 'bad name' is invalid", "pool", "add", "bad name", "--listen", "127.0.0.1:1", "--server", server);
        fails(2, "'maybe' is not a boolean", "pool", "add", "c1", "--listen", "127.0.0.1:1", "--redis=maybe", "--server", server);
        fails(2, "\"redis_auth\" is only valid for a redis pool",
                "pool", "add", "c1", "--listen", "127.0.0.1:1", "--redis-auth", "pw", "--server", server);
        fails(2, "nothing to change", "pool", "set", "alpha");
        fails(2, "cannot be combined with --server-add", "pool", "set", "alpha", "--server", server, "--server-add", server);
        fails(2, "\"timeout\" is not a number: \"soon\"", "pool", "set", "alpha", "--timeout", "soon");
        fails(2, "--wait must be at least 1 second", "-w", "0", "status");
        fails(2, "Missing required parameter: 'POOL'", "pool", "show");
        assertEquals(generation, twd.generation(), "nothing may have been applied");
        assertEquals(file, Files.readString(twd.config));
    }

    @Test
    @Order(7)
    void rejectionsByTheDaemonExit1() {
        long generation = twd.generation();
        fails(1, "twctl: no pool named 'nope'", "pool", "show", "nope");
        fails(1, "no pool named 'nope'", "pool", "del", "nope");
        fails(1, "pool 'alpha' already exists",
                "pool", "add", "alpha", "--listen", "127.0.0.1:" + FreePorts.allocate(), "--redis", "--server", twd.r1.serverLine(1, null));
        fails(1, "no server named 'nope'", "pool", "set", "alpha", "--server-remove", "nope");
        fails(1, "listen on the same address",
                "pool", "add", "gamma", "--listen", "127.0.0.1:" + twd.alphaPort, "--server", twd.r1.serverLine(1, null));
        Result json = fails(1, "no pool named 'nope'", "pool", "show", "nope", "-o", "json");
        JsonObject error = json.json().getAsJsonObject();
        assertFalse(error.get("ok").getAsBoolean());
        assertEquals(1, error.get("exit").getAsInt());
        assertEquals("no pool named 'nope'", error.get("error").getAsString());
        assertEquals(generation, twd.generation(), "a rejected change applies nothing");
    }

    @Test
    @Order(8)
    void poolAddSetDelEachHandsOverToANewProcess() {
        long generation = twd.generation();
        long pid = twd.status().get("pid").getAsLong();
        int port = FreePorts.allocate();
        // The example, with real servers: one server without a name, one with.
        JsonObject added = ok("pool", "add", "cache", "--listen", "127.0.0.1:" + port, "--redis", "--hash", "murmur",
                "--distribution", "ketama", "--server", twd.r1.address() + ":1", "--server", twd.r2.address() + ":1 r2c",
                "-o", "json").json().getAsJsonObject();
        assertTrue(added.get("ok").getAsBoolean(), added::toString);
        assertEquals(generation + 1, added.get("generation").getAsLong());
        long newPid = added.get("pid").getAsLong();
        twd.seen(newPid);
        assertNotEquals(pid, newPid);
        try (Resp client = Resp.connect("127.0.0.1", port)) {
            assertEquals("OK", client.call("SET", "twctl:key", "v"));
            assertEquals("v", client.call("GET", "twctl:key"));
        }
        JsonObject cache = ok("pool", "show", "cache", "-o", "json").json().getAsJsonObject();
        assertEquals("murmur", cache.get("hash").getAsString());
        assertEquals(2, cache.getAsJsonArray("servers").size());

        String changed = ok("pool", "set", "cache", "--timeout", "500", "--server-add", twd.r2.address() + ":1 r3",
                "--server-remove", "r2c").out();
        assertTrue(changed.matches("generation=" + (generation + 2) + " pid=\\d+\n"), changed);
        twd.seen(Long.parseLong(changed.replaceAll(".*pid=(\\d+)\\s*", "$1")));
        cache = ok("pool", "show", "cache", "-o", "json").json().getAsJsonObject();
        assertEquals("500", cache.get("timeout").getAsString());
        // In ring order, which is name order: shorter names first.
        assertEquals(List.of(twd.r2.address() + ":1 r3", twd.r1.address() + ":1"),
                cache.getAsJsonArray("servers").asList().stream().map(e -> e.getAsString()).toList());

        String removed = ok("-o", "table", "pool", "del", "cache").out();
        assertTrue(removed.startsWith("pool cache removed: generation " + (generation + 3) + ", served by pid "), removed);
        twd.seen(Long.parseLong(removed.replaceAll("(?s).*served by pid (\\d+).*", "$1")));
        assertEquals("beta\nalpha\n", ok("pool", "list").out());
        assertFalse(ok("config", "show").out().contains("cache:"), "the config file no longer has the pool");
    }

    @Test
    @Order(9)
    void reloadAppliesTheEditedFileAndRefusesABrokenOne() throws IOException {
        String good = Files.readString(twd.config);
        String withDelta = good + "\ndelta:\n  listen: 127.0.0.1:" + FreePorts.allocate() + "\n  redis: true\n  servers:\n   - "
                + twd.r1.serverLine(1, "d1") + "\n";
        TwdUnderTest.write(twd.config, withDelta);
        assertEquals(twd.config + ": syntax is ok\n", ok("config", "check", twd.config.toString()).out());
        long generation = twd.generation();
        String reloaded = ok("reload").out();
        assertTrue(reloaded.startsWith("generation=" + (generation + 1) + " pid="), reloaded);
        twd.seen(Long.parseLong(reloaded.replaceAll(".*pid=(\\d+)\\s*", "$1")));
        assertTrue(ok("pool", "list").out().contains("delta\n"));

        String broken = withDelta.replace("  redis: true\n  servers:\n   - " + twd.r1.serverLine(1, "d1"),
                "  redis: true\n  hash: md6\n  servers:\n   - " + twd.r1.serverLine(1, "d1"));
        TwdUnderTest.write(twd.config, broken);
        int line = List.of(broken.split("\n")).indexOf("  hash: md6") + 1;
        String expected = twd.config + ":" + line + ": pool 'delta': hash 'md6' is not a valid hash";
        assertEquals(expected + "\n", fails(1, expected, "config", "check", twd.config.toString()).err());
        fails(1, expected, "config", "check");
        fails(1, "md6", "reload");
        assertEquals(generation + 1, twd.generation(), "an invalid file changes nothing");
        TwdUnderTest.write(twd.config, withDelta);
    }

    @Test
    @Order(10)
    void upgradeReplacesTheProcess() throws InterruptedException {
        JsonObject before = twd.status();
        long oldPid = before.get("pid").getAsLong();
        JsonObject upgraded = twctl.run(null, Duration.ofSeconds(150), "upgrade", "-o", "json").json().getAsJsonObject();
        assertTrue(upgraded.get("ok").getAsBoolean(), upgraded::toString);
        long newPid = upgraded.get("pid").getAsLong();
        twd.seen(newPid);
        assertNotEquals(oldPid, newPid);
        assertEquals(before.get("generation").getAsLong() + 1, upgraded.get("generation").getAsLong());
        assertEquals(newPid, twd.status().get("pid").getAsLong());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (TwdUnderTest.alive(oldPid) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertFalse(TwdUnderTest.alive(oldPid), "the old process drains and exits");
    }

    @Test
    @Order(11)
    void configCheckWorksOffline() throws IOException {
        TwctlRunner offline = new TwctlRunner(twd.dir.resolve("no-daemon.sock"));
        Path valid = twd.dir.resolve("valid.yml");
        TwdUnderTest.write(valid, twd.yaml());
        Result ok = offline.run("config", "check", valid.toString());
        assertEquals(0, ok.exit(), ok::toString);
        assertEquals(valid + ": syntax is ok\n", ok.out());

        Path invalid = twd.dir.resolve("invalid.yml");
        TwdUnderTest.write(invalid, "alpha:\n  listen: 127.0.0.1:1\n  servers:\n   - 127.0.0.1:6379:0\n");
        Result bad = offline.run("config", "check", invalid.toString());
        assertEquals(1, bad.exit(), bad::toString);
        assertEquals(invalid + ":4: pool 'alpha': server \"127.0.0.1:6379:0\" has a zero weight\n", bad.err());
        JsonObject json = offline.run("config", "check", invalid.toString(), "-o", "json").json().getAsJsonObject();
        assertFalse(json.get("ok").getAsBoolean());
        assertEquals(invalid.toString(), json.get("file").getAsString());
        Result none = offline.run("config", "check", twd.dir.resolve("none.yml").toString());
        assertEquals(1, none.exit(), none::toString);
        assertTrue(none.err().contains("none.yml: cannot be read: no such file"), none::toString);
        Files.delete(valid);
        Files.delete(invalid);
    }

    @Test
    @Order(12)
    void commandsFromStdinStopAtTheFirstFailure() {
        Result all = twctl.run("ping\n# a comment\n\npool list\n", Duration.ofSeconds(60));
        assertEquals(0, all.exit(), all::toString);
        assertTrue(all.out().startsWith("pong\nbeta\nalpha\n"), all::toString);
        Result stopped = twctl.run("ping\npool show nope\nping\n", Duration.ofSeconds(60));
        assertEquals(1, stopped.exit(), stopped::toString);
        assertEquals("pong\n", stopped.out());
        assertTrue(stopped.err().contains("no pool named 'nope'"), stopped::toString);
    }
}
