package io.twd.tests.support;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server process started for a test, owned by pid.
 *
 * <ul>
 *   <li>stdout and stderr go to {@code tests/target/e2e-logs/<name>-<port>.log} (appended,
 *       with a header per start); {@link #logTail()} gives the end of this run's output for
 *       assertion messages;</li>
 *   <li>{@link Builder#start()} returns once every awaited TCP port is listening <em>in this
 *       process</em> (checked through /proc on Linux, so a stray server on the same port is
 *       not mistaken for ours) and every awaited unix socket accepts; if the process exits or
 *       the timeout passes first, it is killed and the exception carries the log tail;</li>
 *   <li>{@link #stop()} sends SIGTERM to the pid, waits up to 5 s, then SIGKILL;
 *       {@link #kill()} sends SIGKILL at once. Processes are only ever signalled by pid;</li>
 *   <li>a JVM shutdown hook stops whatever is still running, so no test leaves servers behind.</li>
 * </ul>
 */
public final class ManagedProcess implements AutoCloseable {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private static final Set<ManagedProcess> RUNNING = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger SEQ = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ManagedProcess::stopAll, "e2e-process-reaper"));
    }

    private final String name;
    private final List<String> command;
    private final Process process;
    private final Path logFile;
    private final long logStart;

    private ManagedProcess(String name, List<String> command, Process process, Path logFile, long logStart) {
        this.name = name;
        this.command = List.copyOf(command);
        this.process = process;
        this.logFile = logFile;
        this.logStart = logStart;
    }

    // ------------------------------------------------------------------ starting

    public static Builder builder(String name, String... command) {
        return new Builder(name, List.of(command));
    }

    public static Builder builder(String name, List<String> command) {
        return new Builder(name, command);
    }

    /** Starts {@code command} and waits until it listens on {@code port} (127.0.0.1 or any address). */
    public static ManagedProcess start(String name, int port, String... command) {
        return builder(name, command).waitForPort(port).start();
    }

    /** Where the logs (and the proxies' config files) go: {@code tests/target/e2e-logs}. */
    public static Path logDir() {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "target", "e2e-logs");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir.toAbsolutePath();
    }

    /** Processes started by this JVM and not stopped yet. */
    public static List<ManagedProcess> running() {
        List<ManagedProcess> list = new ArrayList<>();
        for (ManagedProcess p : RUNNING) {
            if (p.process.isAlive()) list.add(p);
        }
        return list;
    }

    /** Stops every process still running (the shutdown hook calls this). */
    public static void stopAll() {
        for (ManagedProcess p : new ArrayList<>(RUNNING)) {
            try {
                p.stop(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                // keep going: stop the others
            }
        }
    }

    /** Runs {@code command} to completion (e.g. {@code nutcracker -t}); kills it after {@code timeout}. */
    public static Result run(String name, Duration timeout, List<String> command) {
        int seq = SEQ.incrementAndGet();
        Path out = logDir().resolve(name + "-run" + seq + ".out");
        Path err = logDir().resolve(name + "-run" + seq + ".err");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(devNull()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new IllegalStateException(name + " did not finish within " + timeout + ": " + command
                        + "\nstdout: " + Files.readString(out) + "\nstderr: " + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What a process run to completion left behind. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** stdout followed by stderr. */
        public String output() {
            return stdout + stderr;
        }
    }

    public static final class Builder {
        private final String name;
        private final List<String> command;
        private final List<Integer> ports = new ArrayList<>();
        private final List<Path> unixSockets = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path directory;
        private String logName;
        private Duration startTimeout = START_TIMEOUT;

        private Builder(String name, List<String> command) {
            if (command.isEmpty()) throw new IllegalArgumentException("empty command");
            this.name = name;
            this.command = List.copyOf(command);
        }

        /** Wait until the process listens on this TCP port. May be given several times. */
        public Builder waitForPort(int port) {
            ports.add(port);
            return this;
        }

        /** Wait until this unix socket exists and accepts connections. */
        public Builder waitForUnixSocket(Path socket) {
            unixSockets.add(socket);
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder directory(Path dir) {
            this.directory = dir;
            return this;
        }

        /** Log file name without ".log"; default {@code <name>-<first awaited port>}. */
        public Builder logName(String logName) {
            this.logName = logName;
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** Starts the process and waits until it is ready; see the class comment. */
        public ManagedProcess start() {
            String file = logName != null ? logName
                    : !ports.isEmpty() ? name + "-" + ports.get(0)
                    : name + "-" + SEQ.incrementAndGet();
            Path log = logDir().resolve(file + ".log");
            long offset;
            Process process;
            try {
                String header = "\n===== " + Instant.now() + " start: " + String.join(" ", command) + "\n";
                Files.writeString(log, header, StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                offset = Files.size(log);
                ProcessBuilder pb = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(devNull()))
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .redirectErrorStream(true);
                if (directory != null) pb.directory(directory.toFile());
                pb.environment().putAll(env);
                process = pb.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + name + ": " + command, e);
            }
            ManagedProcess mp = new ManagedProcess(name, command, process, log, offset);
            RUNNING.add(mp);
            mp.awaitReady(ports, unixSockets, startTimeout);
            return mp;
        }
    }

    private void awaitReady(List<Integer> ports, List<Path> sockets, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Integer> pendingPorts = new ArrayList<>(ports);
        List<Path> pendingSockets = new ArrayList<>(sockets);
        while (true) {
            pendingPorts.removeIf(this::listensOn);
            pendingSockets.removeIf(ManagedProcess::unixSocketAccepts);
            if (pendingPorts.isEmpty() && pendingSockets.isEmpty()) return;
            if (!process.isAlive()) {
                int code = waitExit();
                RUNNING.remove(this);
                throw new IllegalStateException(name + " (pid " + pid() + ") exited with code " + code
                        + " before listening on " + describe(pendingPorts, pendingSockets)
                        + "\ncommand: " + String.join(" ", command) + "\n" + logTailMessage());
            }
            if (System.nanoTime() > deadline) {
                kill();
                throw new IllegalStateException(name + " (pid " + pid() + ") was not listening on "
                        + describe(pendingPorts, pendingSockets) + " after " + timeout + "; killed it"
                        + ownerHint(pendingPorts)
                        + "\ncommand: " + String.join(" ", command) + "\n" + logTailMessage());
            }
            sleep(20);
        }
    }

    private static String describe(List<Integer> ports, List<Path> sockets) {
        List<String> what = new ArrayList<>();
        for (int p : ports) what.add("port " + p);
        for (Path s : sockets) what.add("unix socket " + s);
        return String.join(", ", what);
    }

    private String ownerHint(List<Integer> ports) {
        StringBuilder sb = new StringBuilder();
        for (int port : ports) {
            if (!ListenTable.listenInodes(port).isEmpty()) {
                sb.append("\n(port ").append(port).append(" is listening, but in another process: a port clash)");
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ readiness checks

    /** True when this process (or one of its descendants) has a listening TCP socket on {@code port}. */
    public boolean listensOn(int port) {
        if (!ListenTable.available()) return tcpAccepts(port);
        Set<String> inodes = ListenTable.listenInodes(port);
        if (inodes.isEmpty()) return false;
        List<Long> pids = new ArrayList<>();
        pids.add(process.pid());
        process.descendants().forEach(h -> pids.add(h.pid()));
        for (long pid : pids) {
            if (ListenTable.ownsAny(pid, inodes)) return true;
        }
        return false;
    }

    private static boolean tcpAccepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean unixSocketAccepts(Path path) {
        if (!Files.exists(path)) return false;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ accessors

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public List<String> command() {
        return command;
    }

    public Process process() {
        return process;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, once the process has exited. */
    public Optional<Integer> exitCode() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    public Path logFile() {
        return logFile;
    }

    /** Everything this run of the process wrote so far (stdout and stderr). */
    public String log() {
        return readLogFrom(logStart, Long.MAX_VALUE);
    }

    /** The last 40 lines this run wrote, for assertion messages. */
    public String logTail() {
        return logTail(40);
    }

    public String logTail(int lines) {
        String text = readLogFrom(logStart, 256 * 1024);
        String[] all = text.split("\n", -1);
        int from = Math.max(0, all.length - lines - 1);
        return String.join("\n", java.util.Arrays.asList(all).subList(from, all.length));
    }

    private String logTailMessage() {
        return "---- " + logFile + " (last lines) ----\n" + logTail() + "\n----";
    }

    private String readLogFrom(long start, long maxBytes) {
        try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(start, len - maxBytes);
            byte[] buf = new byte[(int) Math.max(0, len - from)];
            f.seek(from);
            f.readFully(buf);
            return new String(buf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    // ------------------------------------------------------------------ stopping

    /** SIGTERM, wait up to 5 s, then SIGKILL. Returns the exit code (143 = died of SIGTERM). */
    public int stop() {
        return stop(STOP_TIMEOUT);
    }

    public int stop(Duration grace) {
        List<ProcessHandle> children = process.descendants().toList();
        if (process.isAlive()) {
            process.destroy(); // SIGTERM to our pid
            try {
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly(); // SIGKILL to our pid
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        int code = waitExit();
        killLeftovers(children);
        RUNNING.remove(this);
        return code;
    }

    /** SIGKILL by pid, then wait for the exit. Returns the exit code (137). */
    public int kill() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        int code = waitExit();
        killLeftovers(children);
        RUNNING.remove(this);
        return code;
    }

    /** Sends a signal by pid, e.g. {@code signal("HUP")} or {@code signal("USR2")}. */
    public void signal(String signal) {
        String sig = signal.toUpperCase(Locale.ROOT).replaceFirst("^SIG", "");
        Result r = run("kill", Duration.ofSeconds(5), List.of("kill", "-s", sig, Long.toString(pid())));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("kill -s " + sig + " " + pid() + " failed: " + r.output());
        }
    }

    /** Waits up to {@code timeout} for the process to exit on its own; returns the exit code. */
    public Optional<Integer> waitFor(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                RUNNING.remove(this);
                return Optional.of(process.exitValue());
            }
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return name + "(pid " + pid() + ")";
    }

    private int waitExit() {
        boolean interrupted = false;
        while (true) {
            try {
                int code = process.waitFor(); // also reaps the child, so its pid is gone afterwards
                if (interrupted) Thread.currentThread().interrupt();
                return code;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    /** Grandchildren that outlived their parent (e.g. a re-exec'd daemon): SIGKILL them by pid. */
    private static void killLeftovers(List<ProcessHandle> handles) {
        for (ProcessHandle h : handles) {
            if (h.isAlive()) h.destroyForcibly();
        }
    }

    private static java.io.File devNull() {
        return new java.io.File("/dev/null");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Linux /proc: which sockets listen on a port, and which process holds them. */
    static final class ListenTable {
        private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

        static boolean available() {
            return Files.isReadable(TABLES.get(0));
        }

        /** Inodes of the sockets in LISTEN state on {@code port}, any local address. */
        static Set<String> listenInodes(int port) {
            Set<String> inodes = new HashSet<>();
            String hexPort = String.format(Locale.ROOT, ":%04X", port);
            for (Path table : TABLES) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(table);
                } catch (IOException e) {
                    continue;
                }
                for (int i = 1; i < lines.size(); i++) {
                    String[] f = lines.get(i).trim().split("\\s+");
                    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                    if (f.length > 9 && f[1].endsWith(hexPort) && f[3].equals("0A")) inodes.add(f[9]);
                }
            }
            return inodes;
        }

        static boolean ownsAny(long pid, Set<String> inodes) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
                for (Path fd : fds) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (IOException e) {
                        continue; // closed meanwhile
                    }
                    if (target.startsWith("socket:[")
                            && inodes.contains(target.substring(8, target.length() - 1))) {
                        return true;
                    }
                }
            } catch (IOException e) {
                return false;
            }
            return false;
        }
    }
}
