package io.twd.tests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * twd started for a test with a given config:
 * {@code java -Dio.netty.leakDetection.level=paranoid -cp <test classpath> io.twd.daemon.Twd
 * -c <file> -s <free port> -a 127.0.0.1 [extraArgs]}. Returns once every pool and the stats port
 * listen (and the admin socket exists, when {@code --admin-socket PATH} is among the extra arguments).
 * Log: {@code tests/target/e2e-logs/twd-<statsPort>.log}.
 *
 * <p>The daemon runs from the test JVM's own classpath, so {@code mvn verify} works in the
 * reactor without packaging first. System properties:
 * <ul>
 *   <li>{@code -Dtwd.jar=daemon/target/twd.jar}: run the packaged jar instead
 *       ({@code java -jar}), to test the shaded artifact (a relative path is taken from the
 *       repository root);</li>
 *   <li>{@code -Dtwd.jvmArgs="-Xmx256m ..."}: more JVM options for the daemon;</li>
 *   <li>{@code -Dtwd.mainClass=...}: another main class (HarnessTest uses {@link StandInDaemon}).</li>
 * </ul>
 */
public final class TwdProcess extends ProxyProcess {
    public static final String MAIN_CLASS = "io.twd.daemon.Twd";

    /** Successors of every twd this JVM started, for the shutdown hook (by pid, with start time). */
    private static final Set<ProcessHandle> SUCCESSORS = ConcurrentHashMap.newKeySet();
    private static final Pattern LOGGED_PID = Pattern.compile("twd\\[(\\d+)\\]|started successor pid (\\d+)");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (ProcessHandle h : SUCCESSORS) {
                if (h.isAlive()) h.destroyForcibly();
            }
        }, "e2e-twd-successor-reaper"));
    }

    private final Path pidFile;
    private final Path adminSocket;
    /** Every process of this daemon's chain of handoffs that we learnt of, by pid (with start time). */
    private final Map<Long, ProcessHandle> chain = new ConcurrentHashMap<>();

    private TwdProcess(ManagedProcess p, Path conf, int statsPort, Map<String, String> listens,
                       Path pidFile, Path adminSocket) {
        super(p, conf, statsPort, listens);
        this.pidFile = pidFile;
        this.adminSocket = adminSocket;
        chain.put(p.pid(), p.process().toHandle());
    }

    /** Do not pass {@code -c}, {@code -s}, {@code -a} or {@code -d} in {@code extraArgs}. */
    public static TwdProcess start(String yaml, String... extraArgs) {
        return launcher().start(yaml, extraArgs);
    }

    /** For starts that need more than {@link #start}: environment variables, JVM options. */
    public static Launcher launcher() {
        return new Launcher();
    }

    /** Starts twd with extra environment variables and JVM options (which successors inherit). */
    public static final class Launcher {
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> jvmArgs = new ArrayList<>();

        private Launcher() {
        }

        /** E.g. {@code env("TWD_HANDOFF_FAULT", "before-ready")}. */
        public Launcher env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** E.g. {@code jvmArg("-Djava.io.tmpdir=/some/dir")}; the daemon passes it on to its successors. */
        public Launcher jvmArg(String arg) {
            jvmArgs.add(arg);
            return this;
        }

        /** Do not pass {@code -c}, {@code -s}, {@code -a} or {@code -d} in {@code extraArgs}. */
        public TwdProcess start(String yaml, String... extraArgs) {
            int statsPort = FreePorts.allocate();
            Path conf = writeConfig("twd", statsPort, yaml);
            Map<String, String> listens = listensOf(yaml);
            List<String> cmd = javaCommand();
            int at = cmd.indexOf("-Dio.netty.leakDetection.level=paranoid") + 1;
            cmd.addAll(at, jvmArgs);
            cmd.addAll(List.of("-c", conf.toString(), "-s", Integer.toString(statsPort), "-a", "127.0.0.1"));
            cmd.addAll(List.of(extraArgs));
            if (List.of(extraArgs).stream().noneMatch(a -> a.equals("--threads") || a.startsWith("--threads="))) {
                // Two event loops unless a test asks otherwise: twd's default is half the cores, one
                // on a 2-core CI machine, and the tests should still see clients and backend
                // connections spread over loops. (LiveTwd and TwdUnderTest run the default.)
                cmd.addAll(List.of("--threads", "2"));
            }
            Path pidFile = null;
            Path adminSocket = null;
            if (!List.of(extraArgs).contains("--admin-socket")) {
                // Each daemon its own admin socket: the default (/run/twd/admin.sock as root) is one
                // per machine, and a test's daemon may still be draining when the next one starts.
                adminSocket = conf.resolveSibling("twd-" + statsPort + ".sock");
                cmd.addAll(List.of("--admin-socket", adminSocket.toString()));
            }
            // The stats port too, as for nutcracker: twd binds it after the pools (and preconnect).
            ManagedProcess.Builder b = ManagedProcess.builder("twd", cmd).logName("twd-" + statsPort).waitForPort(statsPort);
            env.forEach(b::env);
            for (int i = 0; i + 1 < extraArgs.length; i++) {
                if (extraArgs[i].equals("--admin-socket")) {
                    adminSocket = Path.of(extraArgs[i + 1]);
                    b.waitForUnixSocket(adminSocket);
                }
                if (extraArgs[i].equals("-p") || extraArgs[i].equals("--pid-file")) pidFile = Path.of(extraArgs[i + 1]);
            }
            return new TwdProcess(awaitListens(b, listens).start(), conf, statsPort, listens, pidFile, adminSocket);
        }
    }

    /** Runs twd to completion with these arguments, e.g. {@code run("-t", "-c", file)} or {@code run("-V")}. */
    public static ManagedProcess.Result run(String... args) {
        List<String> cmd = javaCommand();
        cmd.addAll(List.of(args));
        return ManagedProcess.run("twd", Duration.ofSeconds(60), cmd);
    }

    /** {@code java [jvm options] -cp <classpath> io.twd.daemon.Twd} (or {@code -jar <twd.jar>}), without arguments. */
    public static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Dio.netty.leakDetection.level=paranoid");
        String extra = System.getProperty("twd.jvmArgs", "").trim();
        if (!extra.isEmpty()) cmd.addAll(List.of(extra.split("\\s+")));
        String jar = System.getProperty("twd.jar", "").trim();
        if (!jar.isEmpty()) {
            Path jarPath = Path.of(jar);
            String root = System.getProperty("twd.root", "");
            if (!jarPath.isAbsolute() && !root.isEmpty()) jarPath = Path.of(root).resolve(jarPath);
            cmd.addAll(List.of("-jar", jarPath.toAbsolutePath().toString()));
        } else {
            // Surefire puts the real classpath here; java.class.path may be a manifest-only booter jar.
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            cmd.addAll(List.of("-cp", cp, System.getProperty("twd.mainClass", MAIN_CLASS)));
        }
        return cmd;
    }

    // ------------------------------------------------------------------ after handoffs

    /**
     * A reload or upgrade replaces the daemon's process: {@link #pid()} stays the first one (which
     * exits after the first handoff), the current one is found here: from the pid file when
     * {@code -p} was given, else from {@code status} on the admin socket, else {@link #pid()}.
     */
    public long currentPid() {
        long pid = -1;
        if (pidFile != null) {
            try {
                pid = Long.parseLong(Files.readString(pidFile).trim());
            } catch (IOException | NumberFormatException e) {
                pid = -1; // being replaced: fall through to the admin socket
            }
        }
        if (pid < 0 && adminSocket != null) {
            pid = AdminClient.json(AdminClient.once(adminSocket, "status")).get("pid").getAsLong();
        }
        if (pid < 0) pid = pid();
        follow(pid);
        return pid;
    }

    /** The {@code --admin-socket} path given at start, or null. */
    public Path adminSocket() {
        return adminSocket;
    }

    /** The {@code -p} path given at start, or null. */
    public Path pidFile() {
        return pidFile;
    }

    /** One admin request on a new connection (so it reaches the process serving now). */
    public io.twd.protocol.admin.AdminResponse admin(String line) {
        if (adminSocket == null) throw new IllegalStateException("started without --admin-socket");
        return AdminClient.once(adminSocket, line);
    }

    /**
     * Records {@code pid} as a process of this daemon (e.g. from an admin reply {@code pid=P}), so
     * that {@link #close()} stops it by pid. Does nothing if it is not running any more.
     */
    public void follow(long pid) {
        if (chain.containsKey(pid)) return;
        ProcessHandle.of(pid).ifPresent(h -> {
            chain.putIfAbsent(pid, h);
            if (pid != pid()) SUCCESSORS.add(h);
        });
    }

    /**
     * Every pid of this daemon's chain we know of: followed ones, and those its log names (each log
     * line carries {@code twd[pid]}, and a handoff logs {@code started successor pid N}), in order.
     * The successors inherit the first process's stdout and stderr, so they log to the same file.
     */
    public List<Long> pidsSeen() {
        java.util.LinkedHashSet<Long> pids = new java.util.LinkedHashSet<>();
        pids.add(pid());
        Matcher m = LOGGED_PID.matcher(process().log());
        while (m.find()) {
            long pid = Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2));
            pids.add(pid);
            follow(pid);
        }
        pids.addAll(chain.keySet());
        return new ArrayList<>(pids);
    }

    /** The processes of {@link #pidsSeen()} still running (a zombie is not running). */
    public List<Long> livePids() {
        List<Long> live = new ArrayList<>();
        for (long pid : pidsSeen()) {
            ProcessHandle h = chain.get(pid);
            if (h != null && isRunning(h)) live.add(pid);
        }
        return live;
    }

    /** True while {@code pid} exists and is not a zombie (reaping an orphan is not our business). */
    public static boolean isRunning(long pid) {
        if (!Files.isDirectory(Path.of("/proc"))) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean isRunning(ProcessHandle h) {
        return h.isAlive() && isRunning(h.pid());
    }

    /**
     * Stops the daemon whatever process serves now: SIGTERM to the current process, up to 10 s for
     * its drain, then SIGKILL to every process of the chain still running (and their children),
     * each by pid. Returns the first process's exit code when no handoff happened (143 = SIGTERM),
     * else 0 when the current process exited by itself in time, 137 when it had to be killed.
     */
    @Override
    public int stop() {
        List<Long> seen = pidsSeen();
        if (seen.size() == 1 && chain.size() == 1) return process().stop();
        int code = 0;
        long current = -1;
        try {
            current = currentPid();
        } catch (RuntimeException e) {
            // no pid file, admin socket gone: fall back to the last pid we know of that runs
        }
        List<ProcessHandle> targets = new ArrayList<>();
        for (long pid : pidsSeen()) {
            ProcessHandle h = chain.get(pid);
            if (h != null) {
                targets.add(h);
                h.descendants().forEach(targets::add);
            }
        }
        ProcessHandle cur = chain.get(current);
        if (cur != null && isRunning(cur)) {
            cur.destroy();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (isRunning(cur) && System.nanoTime() < deadline) sleep(20);
            if (isRunning(cur)) code = 137;
        }
        for (ProcessHandle h : targets) {
            if (isRunning(h)) {
                h.destroyForcibly();
                code = 137;
            }
        }
        if (process().isAlive()) {
            code = process().stop();
        } else {
            process().stop(); // reaps it and takes it off the running list
        }
        for (ProcessHandle h : targets) SUCCESSORS.remove(h);
        return code;
    }

    @Override
    public void close() {
        stop();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs a full GC in the daemon ({@code jcmd <pid> GC.run}). Netty reports a leaked buffer
     * only once it has been collected, at the next allocation: call this, send some traffic,
     * then read {@link #leakReports()}.
     */
    public void gc() {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        ManagedProcess.Result r = ManagedProcess.run("jcmd", Duration.ofSeconds(30), List.of(jcmd, Long.toString(currentPid()), "GC.run"));
        if (r.exitCode() != 0) throw new IllegalStateException("jcmd GC.run failed: " + r.output());
    }

    /** Netty leak reports in this run's log (paranoid leak detection is on). */
    public List<String> leakReports() {
        List<String> leaks = new ArrayList<>();
        for (String line : process().log().split("\n")) {
            if (line.contains("LEAK:")) leaks.add(line);
        }
        return leaks;
    }
}
