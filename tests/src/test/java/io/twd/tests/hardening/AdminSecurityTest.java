package io.twd.tests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.twd.protocol.admin.AdminProtocol;
import io.twd.protocol.admin.AdminResponse;
import io.twd.protocol.config.ConfigLoader;
import io.twd.protocol.config.ConfigWriter;
import io.twd.protocol.config.PoolConfig;
import io.twd.protocol.config.TwdConfig;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.ManagedProcess;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.TwdProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin socket: created 0600 in a 0700 directory (0660/0750 for --admin-group), a peer that is
 * not root, the daemon's user or in the admin group is refused and logged even when the socket
 * file lets it connect, and no admin input can write something else than what it means into the
 * config file.
 *
 * <p>Other users are played by a small Java client started through {@code setpriv} with another
 * uid and groups; without root or setpriv those tests are skipped.
 */
class AdminSecurityTest {
    /** users(100) exists on every Debian-like system; the client plays nobody(65534). */
    private static final int GROUP = 100;
    private static final int NOBODY = 65534;

    private static RedisServer redis;
    private static Path clientDir;

    @BeforeAll
    static void start() throws IOException {
        redis = RedisServer.start();
        clientDir = Files.createTempDirectory("twd-peer-");
        Files.setPosixFilePermissions(clientDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path source = clientDir.resolve("PeerClient.java");
        Files.writeString(source, String.join("\n",
            "import java.net.*;",
            "import java.nio.ByteBuffer;",
            "import java.nio.channels.SocketChannel;",
            "import java.nio.charset.StandardCharsets;",
            "public class PeerClient {",
            "  public static void main(String[] a) {",
            "    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {",
            "      ch.connect(UnixDomainSocketAddress.of(a[0]));",
            "      try {",
            "        ch.write(ByteBuffer.wrap(\"ping\\n\".getBytes(StandardCharsets.UTF_8)));",
            "      } catch (java.io.IOException e) {",
            "        // refused peers are answered and closed at once: the answer may be waiting",
            "      }",
            "      StringBuilder sb = new StringBuilder();",
            "      ByteBuffer b = ByteBuffer.allocate(4096);",
            "      while (!sb.toString().endsWith(\"\\n\\n\") && ch.read(b) > 0) {",
            "        b.flip(); sb.append(StandardCharsets.UTF_8.decode(b)); b.clear();",
            "      }",
            "      System.out.println(\"REPLY \" + sb.toString().trim());",
            "    } catch (Exception e) {",
            "      System.out.println(\"EXCEPTION \" + e);",
            "    }",
            "  }",
            "}", ""));
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterAll
    static void stop() throws IOException {
        redis.close();
        Files.deleteIfExists(clientDir.resolve("PeerClient.java"));
        Files.deleteIfExists(clientDir);
    }

    private static String yaml() {
        return String.join("\n",
            "alpha:",
            "  listen: 127.0.0.1:" + FreePorts.allocate(),
            "  redis: true",
            "  servers:",
            "   - " + redis.serverLine(1, "r1"),
            "");
    }

    /** Runs the client as uid 65534 with the given setpriv group options; returns its one line. */
    private static String pingAs(Path socket, String... groupOptions) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY));
        cmd.addAll(List.of(groupOptions));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:-UsePerfData", "-Xshare:auto", clientDir.resolve("PeerClient.java").toString(), socket.toString()));
        ManagedProcess.Result r = ManagedProcess.run("peer", Duration.ofSeconds(60), cmd);
        assertEquals(0, r.exitCode(), r.output());
        return r.stdout().trim();
    }

    private static boolean canSwitchUsers() {
        return ProcessHandle.current().info().user().map("root"::equals).orElse(false)
            && Files.isExecutable(Path.of("/usr/bin/setpriv"));
    }

    private static Path parentOthersMayTraverse() throws IOException {
        Path parent = Files.createTempDirectory("twd-adm-");
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx--x--x"));
        return parent;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void onlyRootAndTheDaemonsUserGetIn() throws IOException {
        assumeTrue(canSwitchUsers(), "needs root and setpriv to play another user");
        Path parent = parentOthersMayTraverse();
        Path socket = parent.resolve("run").resolve("admin.sock");
        try (LiveTwd twd = LiveTwd.start(yaml(), Map.of(), null, socket)) {
            assertEquals("rwx------", mode(socket.getParent()), "the directory twd creates");
            assertEquals("rw-------", mode(socket));
            assertEquals(AdminResponse.ok("pong"), twd.admin("ping"), "root");

            String denied = pingAs(socket, "--regid=" + NOBODY, "--clear-groups");
            assertTrue(denied.startsWith("EXCEPTION") && denied.contains("Permission denied"), denied);

            // The socket file made too open by mistake: the peer check still refuses, and logs it.
            Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            String refused = pingAs(socket, "--regid=" + NOBODY, "--clear-groups");
            assertEquals("REPLY ERR permission denied: uid 65534 may not use this socket (root, uid 0 only)", refused);
            assertEquals(1, twd.logLines("admin: refused a connection from pid").size(), twd.logTail());
            assertTrue(twd.logLines("admin: refused").get(0).contains("uid 65534"));
            assertEquals(AdminResponse.ok("pong"), twd.admin("ping"), "the daemon goes on");
        } finally {
            deleteTree(parent);
        }
    }

    @Test
    void membersOfTheAdminGroupGetInOthersDoNot() throws IOException {
        assumeTrue(canSwitchUsers(), "needs root and setpriv to play another user");
        Path parent = parentOthersMayTraverse();
        Path socket = parent.resolve("run").resolve("admin.sock");
        try (LiveTwd twd = LiveTwd.start(yaml(), Map.of(), null, socket, "--admin-group", "users")) {
            assertEquals("rwxr-x---", mode(socket.getParent()));
            assertEquals("rw-rw----", mode(socket));
            assertEquals(GROUP, (Integer) Files.getAttribute(socket, "unix:gid"));
            assertEquals(GROUP, (Integer) Files.getAttribute(socket.getParent(), "unix:gid"));

            assertEquals("REPLY OK pong", pingAs(socket, "--regid=" + NOBODY, "--groups=" + GROUP), "supplementary group");
            assertEquals("REPLY OK pong", pingAs(socket, "--regid=" + GROUP, "--clear-groups"), "primary group");
            String denied = pingAs(socket, "--regid=" + NOBODY, "--clear-groups");
            assertTrue(denied.startsWith("EXCEPTION") && denied.contains("Permission denied"), denied);

            Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            assertEquals("REPLY ERR permission denied: uid 65534 may not use this socket (root, uid 0 or group 100 only)",
                pingAs(socket, "--regid=" + NOBODY, "--clear-groups"));
            assertEquals(1, twd.logLines("admin: refused a connection from pid").size(), twd.logTail());
        } finally {
            deleteTree(parent);
        }
    }

    /**
     * A directory someone else controls could have the socket swapped under twctl's feet, so
     * twd will not create its socket there: owned by another user, or writable by others without
     * the sticky bit. /tmp itself (1777) is fine.
     */
    @Test
    void aDirectoryOthersControlIsRefused() throws IOException {
        Path parent = parentOthersMayTraverse();
        try {
            Path foreign = Files.createDirectory(parent.resolve("foreign"));
            Files.setAttribute(foreign, "unix:uid", NOBODY);
            Path open = Files.createDirectory(parent.resolve("open"));
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path conf = Files.createTempFile(ManagedProcess.logDir(), "admin-dir-", ".yml");
            Files.writeString(conf, yaml());
            ManagedProcess.Result r = TwdProcess.run("-c", conf.toString(), "-s", Integer.toString(FreePorts.allocate()),
                "-a", "127.0.0.1", "--admin-socket", foreign.resolve("admin.sock").toString());
            assertEquals(1, r.exitCode(), r.output());
            assertTrue(r.output().contains("belongs to uid 65534, not to this user (uid 0) or root"), r.output());
            Files.writeString(conf, yaml());
            r = TwdProcess.run("-c", conf.toString(), "-s", Integer.toString(FreePorts.allocate()),
                "-a", "127.0.0.1", "--admin-socket", open.resolve("admin.sock").toString());
            assertEquals(1, r.exitCode(), r.output());
            assertTrue(r.output().contains("is writable by others (mode 777)"), r.output());
        } finally {
            deleteTree(parent);
        }
    }

    /**
     * Values that carry YAML syntax, quotes, comments and line breaks go through the shared config
     * model and the writer's quoting: the file written after the change loads back to exactly the
     * config asked for, and the new process serves that. What the model refuses is refused with
     * nothing changed.
     */
    @Test
    void adminInputCannotWriteArbitraryContentIntoTheConfigFile() throws Exception {
        int spare = FreePorts.allocate();
        try (LiveTwd twd = LiveTwd.start(yaml())) {
            String before = Files.readString(twd.configFile());
            String[][] refused = {
                {"pool add \"evil\\nname\" listen=127.0.0.1:1 server=127.0.0.1:1:1", "pool name 'evil\\nname' is invalid"},
                {"pool set alpha listen=\"127.0.0.1:" + spare + "\\nbeta:\\n  listen: 0.0.0.0:1\"", "blank in its host"},
                {"pool set alpha server+=\"127.0.0.1:" + spare + ":1 a\\nb\"", "control character"},
                {"pool set alpha timeout=\"1\\n  redis_auth: x\"", "\"timeout\" is not a number"},
                {"pool set alpha redis=\"true # comment\"", "must be \"true\" or \"false\""},
                {"pool set alpha hash_tag=\"{}: x\"", "\"hash_tag\" must be two characters"},
            };
            for (String[] r : refused) {
                AdminResponse answer = twd.admin(r[0]);
                assertFalse(answer.ok(), r[0] + " -> " + answer);
                assertTrue(answer.text().contains(r[1]), r[0] + " -> " + answer);
            }
            assertEquals(before, Files.readString(twd.configFile()), "refused changes write nothing");

            String auth = "p\"w'd\n  listen: 0.0.0.0:1\n# {x: [y]} &a *a ---\\";
            String serverName = "n#\"x'y:z{}[]&*!|>%@`";
            String line = "pool set alpha " + AdminProtocol.quote("redis_auth=" + auth) + " "
                + AdminProtocol.quote("hash_tag=: ") + " "
                + AdminProtocol.quote("server+=127.0.0.1:" + spare + ":1 " + serverName);
            AdminResponse ok = twd.admin(line);
            assertTrue(ok.ok(), ok + "\n" + twd.logTail());

            TwdConfig written = ConfigLoader.load(twd.configFile());
            PoolConfig alpha = written.pool("alpha").orElseThrow();
            assertEquals(auth, alpha.redisAuth());
            assertEquals(": ", alpha.hashTag());
            assertEquals(List.of(serverName, "r1"), alpha.servers().stream().map(s -> s.name()).sorted().toList());
            assertEquals(1, written.pools().size(), "no pool was smuggled in");
            AdminResponse shown = twd.admin("config show");
            assertEquals(ConfigWriter.toYaml(written).stripTrailing(), String.join("\n", shown.body()),
                "the new process serves what the file says");
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
