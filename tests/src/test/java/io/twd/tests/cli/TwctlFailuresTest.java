package io.twd.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.twd.tests.cli.TwctlRunner.Result;
import io.twd.tests.cli.TwctlRunner.Running;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The two ways a command ends without an answer, against a real twd whose successors hang (fault
 * injection {@code TWD_HANDOFF_FAULT=hang-before-ready}), so a change never completes on its own:
 * twctl gives up after {@code --wait} (exit status 4), and a daemon killed while twctl waits is
 * reported as gone (exit status 3).
 */
class TwctlFailuresTest {
    private static final Map<String, String> HANG = Map.of("TWD_HANDOFF_FAULT", "hang-before-ready");

    @Test
    void aChangeThatOutlastsTheWaitExits4() {
        try (TwdUnderTest twd = TwdUnderTest.start(HANG, "--handoff-timeout", "60")) {
            long start = System.nanoTime();
            Result r = twd.twctl().run("-w", "2", "upgrade");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(4, r.exit(), r::toString);
            assertTrue(r.err().contains("no answer to 'upgrade' within 2 s (--wait); the daemon may still apply the change"),
                    r::toString);
            assertTrue(millis >= 2000 && millis < 20_000, "gave up after " + millis + " ms");
            trackSuccessors(twd);

            // Queries never wait behind a change: the daemon still answers them at once.
            assertEquals(0, twd.twctl().run("ping").exit());
            Result json = twd.twctl().run("-w", "1", "pool", "set", "alpha", "--timeout", "100", "-o", "json");
            assertEquals(4, json.exit(), json::toString);
            JsonObject error = json.json().getAsJsonObject();
            assertFalse(error.get("ok").getAsBoolean());
            assertEquals(4, error.get("exit").getAsInt());
        }
    }

    @Test
    void aDaemonThatGoesAwayMidCommandExits3() throws InterruptedException {
        try (TwdUnderTest twd = TwdUnderTest.start(HANG, "--handoff-timeout", "60")) {
            Running upgrade = twd.twctl().start(null, "upgrade");
            // The change is under way once the daemon has started its (hanging) successor.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (trackSuccessors(twd).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertFalse(trackSuccessors(twd).isEmpty(), "the upgrade started a successor");
            assertTrue(upgrade.process().isAlive(), "twctl is still waiting for the answer");
            twd.firstProcess().kill();

            Result r = upgrade.await(Duration.ofSeconds(30));
            assertEquals(3, r.exit(), r::toString);
            assertTrue(r.err().contains("twd closed the connection before answering 'upgrade' (did it stop or crash?);"
                    + " whether the change was applied is unknown"), r::toString);
            Result after = twd.twctl().run("status");
            assertEquals(3, after.exit(), after::toString);
            assertTrue(after.err().contains("nothing listens there"), after::toString);
        }
    }

    /** The successors the daemon started, recorded so that the test stops them by pid at the end. */
    private static List<Long> trackSuccessors(TwdUnderTest twd) {
        List<Long> children = twd.firstProcess().process().descendants().map(ProcessHandle::pid).toList();
        children.forEach(twd::seen);
        return children;
    }
}
