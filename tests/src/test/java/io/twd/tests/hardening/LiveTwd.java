package io.twd.tests.hardening;

import io.twd.protocol.admin.AdminResponse;
import io.twd.tests.support.ManagedProcess;
import io.twd.tests.support.ProxyProcess;
import io.twd.tests.support.TwdProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A twd for the hardening tests, across handoffs: it has an admin socket and a pid file in a
 * private 0700 directory, so {@link #livePid()} follows the process serving now (a change starts a
 * new one), and {@link #close()} stops every process of the chain, by pid.
 *
 * <p>Started with {@link TwdProcess#javaCommand()}, so the same JVM options and leak detector;
 * every generation logs to the same file ({@link #log()}).
 */
final class LiveTwd extends ProxyProcess {
    private final Path dir;
    private final Path adminSocket;
    private final Set<Long> pids = new LinkedHashSet<>();

    private LiveTwd(ManagedProcess p, Path conf, int statsPort, Map<String, String> listens, Path dir, Path adminSocket) {
        super(p, conf, statsPort, listens);
        this.dir = dir;
        this.adminSocket = adminSocket;
        pids.add(p.pid());
    }

    static LiveTwd start(String yaml, String... extraArgs) {
        return start(yaml, Map.of(), extraArgs);
    }

    /** {@code env} goes into the daemon's environment (e.g. TWD_HANDOFF_FAULT). */
    static LiveTwd start(String yaml, Map<String, String> env, String... extraArgs) {
        return start(yaml, env, null, extraArgs);
    }

    /** As {@link #start(String, Map, String...)} with the config file at {@code confFile}. */
    static LiveTwd start(String yaml, Map<String, String> env, Path confFile, String... extraArgs) {
        return start(yaml, env, confFile, null, extraArgs);
    }

    /** ... and the admin socket at {@code adminSocket} (null: in the private directory). */
    static LiveTwd start(String yaml, Map<String, String> env, Path confFile, Path adminSocket, String... extraArgs) {
        Path dir;
        try {
            dir = Files.createTempDirectory("twd-h-");
            Path admin = adminSocket != null ? adminSocket : dir.resolve("admin.sock");
            int statsPort = io.twd.tests.support.FreePorts.allocate();
            Path conf = confFile != null ? confFile : ManagedProcess.logDir().resolve("twd-" + statsPort + ".yml");
            Files.writeString(conf, yaml, StandardCharsets.UTF_8);
            Map<String, String> listens = ProxyProcess.listensOf(yaml);
            List<String> cmd = TwdProcess.javaCommand();
            cmd.addAll(List.of("-c", conf.toString(), "-s", Integer.toString(statsPort), "-a", "127.0.0.1",
                "--admin-socket", admin.toString(), "-p", dir.resolve("twd.pid").toString()));
            cmd.addAll(List.of(extraArgs));
            ManagedProcess.Builder b = ManagedProcess.builder("twd", cmd).logName("twd-" + statsPort)
                .waitForPort(statsPort).waitForUnixSocket(admin);
            env.forEach(b::env);
            awaitListens(b, listens);
            return new LiveTwd(b.start(), conf, statsPort, listens, dir, admin);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path adminSocket() {
        return adminSocket;
    }

    Path dir() {
        return dir;
    }

    /** The pid serving now, from the pid file (the successor writes it once it serves). */
    long livePid() {
        Path file = dir.resolve("twd.pid");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                // Written last at start, after the sockets listen: it may not be there yet.
                long pid = Long.parseLong(Files.readString(file).trim());
                pids.add(pid);
                return pid;
            } catch (IOException | NumberFormatException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no pid in " + file, e);
                }
                sleep(20);
            }
        }
    }

    /** Processes of this daemon seen so far (via {@link #livePid}) other than {@code current} still alive. */
    List<Long> leftoverPredecessors(long current) {
        List<Long> alive = new ArrayList<>();
        for (long pid : pids) {
            if (pid != current && pid != process().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                alive.add(pid);
            }
        }
        if (current != process().pid() && process().isAlive()) {
            alive.add(process().pid());
        }
        return alive;
    }

    /** Waits until {@code pid} has exited (a predecessor after its drain). */
    static boolean awaitExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
                return true;
            }
            sleep(20);
        }
        return false;
    }

    /** Everything every generation logged. */
    String log() {
        return process().log();
    }

    /** One admin request on a connection of its own. */
    AdminResponse admin(String line) {
        try (Admin a = Admin.connect(adminSocket())) {
            return a.call(line);
        }
    }

    /** SIGKILL the process serving now (by pid); returns its pid. */
    long killLive() {
        long pid = livePid();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        awaitExit(pid, Duration.ofSeconds(10));
        return pid;
    }

    /**
     * Every process of the chain: those seen through the pid file, and those the shared log
     * names ({@code twd[PID]:} on each line, {@code started successor pid N} for one that may
     * never have logged).
     */
    private Set<Long> chain() {
        try {
            livePid();
        } catch (RuntimeException e) {
            // no pid file (any more)
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("twd\\[(\\d+)]|started successor pid (\\d+)")
            .matcher(log());
        while (m.find()) {
            pids.add(Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2)));
        }
        return pids;
    }

    /** Whether {@code pid} is a process of this daemon: a pid seen in the log may have been reused. */
    private boolean isOurs(long pid) {
        try {
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                StandardCharsets.UTF_8).replace('\0', ' ');
            return cmdline.contains(" -s " + statsPort() + " ") && cmdline.contains(configFile().toString());
        } catch (IOException e) {
            return false; // gone
        }
    }

    @Override
    public void close() {
        List<Long> ours = new ArrayList<>();
        for (long pid : chain()) {
            if (isOurs(pid)) {
                ours.add(pid);
            }
        }
        for (long pid : ours) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
        for (long pid : ours) {
            if (!awaitExit(pid, Duration.ofSeconds(5)) && isOurs(pid)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                awaitExit(pid, Duration.ofSeconds(5));
            }
        }
        process().stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir
        }
    }

    // ---------------------------------------------------------------- /proc

    /** Resident set size of {@code pid}, in kB. */
    static long rssKb(long pid) {
        return statusField(pid, "VmRSS:");
    }

    static long threads(long pid) {
        return statusField(pid, "Threads:");
    }

    static long fds(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long statusField(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + field + " for pid " + pid);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An admin connection: requests written as lines, responses read with AdminResponse.read. */
    static final class Admin implements AutoCloseable {
        private final SocketChannel channel;
        private final OutputStream out;
        private final BufferedReader in;

        private Admin(SocketChannel channel) {
            this.channel = channel;
            this.out = Channels.newOutputStream(channel);
            this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        }

        static Admin connect(Path socket) {
            try {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket));
                return new Admin(ch);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void sendRaw(byte[] bytes) {
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        AdminResponse call(String line) {
            sendRaw((line + "\n").getBytes(StandardCharsets.UTF_8));
            return read();
        }

        AdminResponse read() {
            try {
                return AdminResponse.read(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Lines of the log that match {@code needle}. */
    List<String> logLines(String needle) {
        List<String> out = new ArrayList<>();
        for (String line : log().split("\n")) {
            if (line.contains(needle)) {
                out.add(line);
            }
        }
        return out;
    }
}
