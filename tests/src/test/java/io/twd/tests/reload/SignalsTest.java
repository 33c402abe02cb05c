package io.twd.tests.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.ManagedProcess;
import io.twd.tests.support.RedisServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * nginx-style signals, sent by pid to whichever process serves: SIGHUP re-reads the config file
 * (a new process, clients migrate), SIGUSR2 upgrades (a new process, same config), SIGTERM drains
 * and exits: every request read is answered, connections close at request boundaries, and the pid
 * file and admin socket are removed.
 */
class SignalsTest {
    @Test
    void hupReloadsUsr2UpgradesTermDrainsAndStops() throws Exception {
        try (RedisServer r1 = RedisServer.start(); RedisServer r2 = RedisServer.start()) {
            int portA = FreePorts.allocate();
            String head = String.join("\n",
                    "A:",
                    "  listen: 127.0.0.1:" + portA,
                    "  redis: true",
                    "");
            String servers = String.join("\n",
                    "  servers:",
                    "   - " + r1.serverLine(1, "r1"),
                    "   - " + r2.serverLine(1, "r2"),
                    "");
            try (LiveDaemon d = LiveDaemon.start(head + "  timeout: 4000\n" + servers, "--drain-timeout", "10")) {
                List<BoundaryClient> stopping = new ArrayList<>();
                try (Load load = Load.start(portA, 8, 1)) {
                    load.awaitProgress(10, 20_000);

                    // SIGHUP: reload the edited file.
                    d.twd.rewriteConfig(head + "  timeout: 4500\n" + servers);
                    long first = d.pid();
                    signal(first, "HUP");
                    long second = d.awaitNewPid(first, 60_000);
                    d.awaitExit(first, 15_000);
                    assertEquals("4500", d.poolShow("A").get("timeout").getAsString(), "SIGHUP re-read the file");
                    load.awaitProgress(5, 20_000);

                    // SIGUSR2: upgrade, same config.
                    signal(second, "USR2");
                    long third = d.awaitNewPid(second, 60_000);
                    d.awaitExit(second, 15_000);
                    assertEquals("4500", d.poolShow("A").get("timeout").getAsString());
                    load.awaitProgress(5, 20_000);
                    d.assertOnlyCurrentRuns(15_000);

                    load.stop();
                    System.out.println("SignalsTest: " + load.summary() + "; pids " + d.pids);
                    assertEquals(0, load.failures(), load.summary());
                    assertEquals(0, load.refused(), load.summary());
                    assertEquals(0, load.reconnects(), load.summary());
                    assertEquals(List.of(), new ArrayList<>(load.movedPorts().keySet()));
                    assertEquals(List.of(), ProcNet.notHeldBy(third, portA, load.firstLocalPorts()));
                }

                // SIGTERM with clients pipelining: answered up to a request boundary, then closed.
                for (int i = 0; i < 8; i++) {
                    BoundaryClient c = new BoundaryClient(portA);
                    stopping.add(c);
                    c.start();
                }
                for (BoundaryClient c : stopping) c.awaitAcked(50, 10_000);
                long last = d.pid();
                signal(last, "TERM");
                d.awaitExit(last, 20_000);
                for (BoundaryClient c : stopping) {
                    c.awaitClosed(5_000);
                    c.assertAllAcknowledgedRan(r1, r2);
                    c.close();
                }
                assertFalse(Files.exists(d.pidFile), "pid file removed");
                assertFalse(Files.exists(d.admin), "admin socket removed");
                HotReloadTest.assertRefused(portA);
                assertEquals(List.of(), d.twd.livePids());
                assertTrue(d.twd.process().waitFor(Duration.ofSeconds(5)).isPresent(), "the first process is gone");
                assertEquals(List.of(), d.leftoverFiles());
                assertEquals(List.of(), d.twd.leakReports());
            }
        }
    }

    static void signal(long pid, String sig) {
        ManagedProcess.Result r = ManagedProcess.run("kill", Duration.ofSeconds(5),
                List.of("kill", "-s", sig, Long.toString(pid)));
        assertEquals(0, r.exitCode(), "kill -s " + sig + " " + pid + ": " + r.output());
    }
}
