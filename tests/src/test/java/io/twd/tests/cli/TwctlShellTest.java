package io.twd.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.twd.tests.support.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * The interactive shell on a pseudo-terminal, against a real twd: the prompt shows the generation,
 * Tab completes pool names, server names and enum values from the daemon and the model, Up recalls
 * history (kept in $TWCTL_HISTORY), errors leave the shell running, and {@code pool add} asks for
 * what is missing.
 */
class TwctlShellTest {
    private static final Duration SLOW = Duration.ofSeconds(40);

    @Test
    void completionHistoryErrorsAndAGuidedPoolAdd() throws Exception {
        assumeTrue(PtySession.available(), "script(1) from util-linux is needed for a pseudo-terminal");
        try (TwdUnderTest twd = TwdUnderTest.start()) {
            Path history = twd.dir.resolve("history");
            long generation = twd.generation();
            try (PtySession shell = PtySession.start(TwctlRunner.command(),
                    Map.of("TWCTL_SOCKET", twd.socket.toString(), "TWCTL_HISTORY", history.toString()))) {
                shell.expect("twd\\[gen " + generation + "\\]> ", SLOW);

                // A pool name completed from the daemon: only "al" is typed.
                shell.type("pool show al\t").expect("pool show al.*pha");
                shell.type("\r").expect("listen +127\\.0\\.0\\.1:" + twd.alphaPort + ".*\nr1 +" + twd.r1.address());
                shell.expect("twd\\[gen " + generation + "\\]> ");

                // Enum values from the model, server names of the pool on the line from the daemon.
                shell.type("pool set alpha --distribution mo\t").expect("dula");
                shell.type("\u0015pool set alpha --server-remove \t").expect("r1\\s+r2");
                shell.type("\u0015");

                // Errors, from the daemon and from the command line, leave the shell running.
                shell.type("pool show nope\r").expect("error: no pool named 'nope'.*twd\\[gen " + generation + "\\]> ");
                shell.type("frob\r").expect("error: unknown command 'frob'.*twd\\[gen " + generation + "\\]> ");

                // help lists the commands; help COMMAND shows one command's options.
                shell.type("help\r").expect("pool add +Add a pool\\..*exit +Leave the shell.*\\]> ");
                shell.type("help pool add\r").expect("Usage: twctl pool add \\[OPTIONS\\] NAME.*--server=SPEC.*\\]> ");

                // History: Up recalls the last line, Enter runs it again.
                shell.type("ping\r").expect("pong from .*\\]> ");
                shell.type("\u001b[A").expect("ping");
                shell.type("\r").expect("pong from .*\\]> ");

                // A guided pool add: the shell asks for the listen address, the servers and the protocol.
                int port = FreePorts.allocate();
                shell.type("pool add web\r").expect("listen address for pool web .*: ");
                shell.type("127.0.0.1\r").expect("is not \"host:port\".*try again.*listen address for pool web .*: ");
                shell.type("127.0.0.1:" + port + "\r").expect("server 1: ");
                shell.type(twd.r2.serverLine(1, "w1") + "\r").expect("server 2: ");
                shell.type("\r").expect("is web a redis pool \\(no: memcache\\)\\? \\[y/N\\] ");
                Matcher added = shell.type("y\r").expect("pool web added: generation (\\d+), served by pid (\\d+)", SLOW);
                twd.seen(Long.parseLong(added.group(2)));
                assertEquals(generation + 1, Long.parseLong(added.group(1)));
                shell.expect("twd\\[gen " + (generation + 1) + "\\]> ");

                shell.type("exit\r");
                assertEquals(0, shell.waitFor(SLOW), shell.transcript());
            }
            List<String> lines = Files.readAllLines(history);
            assertTrue(lines.stream().anyMatch(l -> l.endsWith("pool show alpha")), lines::toString);
            assertTrue(lines.stream().anyMatch(l -> l.endsWith("pool add web")), lines::toString);
            assertTrue(lines.stream().noneMatch(l -> l.contains("127.0.0.1:")), "answers to questions stay out: " + lines);
            assertTrue(twd.twctl().run("pool", "list").out().contains("web\n"), "the guided add was applied");
        }
    }
}
