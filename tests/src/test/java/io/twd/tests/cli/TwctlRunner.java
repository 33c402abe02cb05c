package io.twd.tests.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.twd.tests.support.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs twctl as its own process, as an operator or a script would: {@code java -jar
 * cli/target/twctl.jar} when the shaded jar is built (or {@code -Dtwctl.jar=PATH}), else its main
 * class on the test classpath. stdin is /dev/null unless given and stdout is a file, so the output
 * is the non-terminal one (plain) unless {@code -o} says otherwise. {@code TWCTL_SOCKET} is set to the
 * daemon under test; nothing of the caller's environment about twctl leaks in.
 */
final class TwctlRunner {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final Map<String, String> env = new LinkedHashMap<>();

    TwctlRunner(Path socket) {
        env.put("TWCTL_SOCKET", socket.toString());
    }

    TwctlRunner env(String key, String value) {
        env.put(key, value);
        return this;
    }

    /** What a twctl run left: its exit status, stdout and stderr. */
    record Result(List<String> command, int exit, String out, String err) {
        JsonElement json() {
            return JsonParser.parseString(out);
        }

        @Override
        public String toString() {
            return "twctl " + command + " -> exit " + exit + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    Result run(String... args) {
        return run(null, Duration.ofSeconds(60), args);
    }

    /** Runs to completion, with {@code stdin} as its input when not null. */
    Result run(String stdin, Duration timeout, String... args) {
        return start(stdin, args).await(timeout);
    }

    /** A twctl started by {@link #start}, still running or not. */
    record Running(Process process, int seq, List<String> args) {
        Result await(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor();
                    throw new AssertionError("twctl " + args + " did not finish within " + timeout);
                }
                return new Result(args, process.exitValue(), Files.readString(outFile(seq)), Files.readString(errFile(seq)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Starts twctl and returns at once, for tests that act while it waits. */
    Running start(String stdin, String... args) {
        int seq = SEQ.incrementAndGet();
        List<String> cmd = command();
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(outFile(seq).toFile())
                .redirectError(errFile(seq).toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TWCTL_"));
        pb.environment().putAll(env);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        }
        try {
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
            }
            return new Running(p, seq, List.of(args));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code java [fast start-up options] -jar twctl.jar} or {@code java -cp <classpath> io.twd.cli.Twctl}. */
    static List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // What bin/twctl uses: a short-lived client needs neither the C2 compiler nor GC threads.
        cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        Path jar = jar();
        if (jar != null) {
            cmd.addAll(List.of("-jar", jar.toString()));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                    "io.twd.cli.Twctl"));
        }
        return cmd;
    }

    static Path jar() {
        String given = System.getProperty("twctl.jar", "").trim();
        Path root = Path.of(System.getProperty("twd.root", ".."));
        Path jar = given.isEmpty() ? root.resolve("cli/target/twctl.jar") : root.resolve(given);
        return Files.isRegularFile(jar) ? jar.toAbsolutePath() : null;
    }

    private static Path outFile(int seq) {
        return ManagedProcess.logDir().resolve("twctl-run" + seq + ".out");
    }

    private static Path errFile(int seq) {
        return ManagedProcess.logDir().resolve("twctl-run" + seq + ".err");
    }
}
