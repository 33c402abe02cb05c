package io.twd.tests.cli;

import io.twd.tests.support.Binaries;
import io.twd.tests.support.ManagedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A program run on a pseudo-terminal, driven like a person at a keyboard: {@code script -q -e -c
 * CMD /dev/null} (util-linux) gives it a pty, the test writes keystrokes to script's stdin and reads
 * the screen output from its stdout. {@link #expect} waits for a pattern in the output seen since
 * the previous match, with terminal escape sequences and carriage returns removed.
 */
final class PtySession implements AutoCloseable {
    private static final Pattern ESCAPES = Pattern.compile("\u001b\\[[0-9;?]*[ -/]*[@-~]|\u001b[()][0-9A-Za-z]|\u001b[=>]|\r|\u0007");

    private final Process process;
    private final OutputStream keys;
    private final StringBuilder screen = new StringBuilder();
    private int consumed; // in the cleaned output

    private PtySession(Process process) {
        this.process = process;
        this.keys = process.getOutputStream();
        Thread reader = new Thread(() -> pump(process.getInputStream()), "pty-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static boolean available() {
        return Binaries.find("script").isPresent();
    }

    /** Starts {@code command} on a 120x40 terminal of type xterm, with {@code env} added. */
    static PtySession start(List<String> command, Map<String, String> env) {
        String quoted = command.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
        ProcessBuilder pb = new ProcessBuilder(Binaries.find("script").orElseThrow().toString(), "-q", "-e", "-c",
                "stty cols 120 rows 40; exec " + quoted, "/dev/null").redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TWCTL_"));
        pb.environment().put("TERM", "xterm");
        pb.environment().putAll(env);
        try {
            return new PtySession(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void pump(InputStream in) {
        byte[] buffer = new byte[8192];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                synchronized (screen) {
                    screen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    screen.notifyAll();
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    /** Types {@code text}; use {@code \r} for Enter, {@code \t} for Tab, {@code \u001b[A} for Up. */
    PtySession type(String text) {
        try {
            keys.write(text.getBytes(StandardCharsets.UTF_8));
            keys.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * Waits until the output since the last match matches {@code regex} (DOTALL); returns the match
     * and moves past it.
     */
    Matcher expect(String regex, Duration timeout) {
        Pattern pattern = Pattern.compile(regex, Pattern.DOTALL);
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean exited = false;
        synchronized (screen) {
            while (true) {
                // Positions count in the cleaned text, which grows at its end only.
                String all = clean(screen.toString());
                String text = all.substring(Math.min(consumed, all.length()));
                Matcher m = pattern.matcher(text);
                if (m.find()) {
                    consumed += m.end();
                    return m;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || exited) {
                    throw new AssertionError("no /" + regex + "/ in the terminal output within " + timeout
                            + (exited ? " (the program exited)" : "") + ":\n" + text);
                }
                // Once the program has exited, one last short wait lets the reader take its last bytes.
                exited = !process.isAlive();
                try {
                    screen.wait(exited ? 200 : Math.max(1, Math.min(100, left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    Matcher expect(String regex) {
        return expect(regex, Duration.ofSeconds(20));
    }

    /** Everything the program wrote, cleaned. */
    String transcript() {
        synchronized (screen) {
            return clean(screen.toString());
        }
    }

    static String clean(String raw) {
        return ESCAPES.matcher(raw).replaceAll("");
    }

    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the program did not exit within " + timeout + ":\n" + transcript());
        }
        return process.exitValue();
    }

    /** Kills the program if still running; the transcript is kept in the e2e log directory. */
    @Override
    public void close() {
        try {
            Files.writeString(ManagedProcess.logDir().resolve("twctl-shell-" + process.pid() + ".transcript"), transcript());
        } catch (IOException ignored) {
            // only for debugging
        }
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
