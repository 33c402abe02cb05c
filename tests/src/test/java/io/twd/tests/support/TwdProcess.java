package io.twd.tests.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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

    private TwdProcess(ManagedProcess p, Path conf, int statsPort, Map<String, String> listens) {
        super(p, conf, statsPort, listens);
    }

    /** Do not pass {@code -c}, {@code -s}, {@code -a} or {@code -d} in {@code extraArgs}. */
    public static TwdProcess start(String yaml, String... extraArgs) {
        int statsPort = FreePorts.allocate();
        Path conf = writeConfig("twd", statsPort, yaml);
        Map<String, String> listens = listensOf(yaml);
        List<String> cmd = javaCommand();
        cmd.addAll(List.of("-c", conf.toString(), "-s", Integer.toString(statsPort), "-a", "127.0.0.1"));
        cmd.addAll(List.of(extraArgs));
        if (!List.of(extraArgs).contains("--admin-socket")) {
            // Each daemon its own admin socket: the default (/run/twd/admin.sock as root) is one
            // per machine, and a test's daemon may still be draining when the next one starts.
            cmd.addAll(List.of("--admin-socket", conf.resolveSibling("twd-" + statsPort + ".sock").toString()));
        }
        // The stats port too, as for nutcracker: twd binds it after the pools (and preconnect).
        ManagedProcess.Builder b = ManagedProcess.builder("twd", cmd).logName("twd-" + statsPort).waitForPort(statsPort);
        for (int i = 0; i + 1 < extraArgs.length; i++) {
            if (extraArgs[i].equals("--admin-socket")) b.waitForUnixSocket(Path.of(extraArgs[i + 1]));
        }
        return new TwdProcess(awaitListens(b, listens).start(), conf, statsPort, listens);
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

    /**
     * Runs a full GC in the daemon ({@code jcmd <pid> GC.run}). Netty reports a leaked buffer
     * only once it has been collected, at the next allocation: call this, send some traffic,
     * then read {@link #leakReports()}.
     */
    public void gc() {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        ManagedProcess.Result r = ManagedProcess.run("jcmd", Duration.ofSeconds(30), List.of(jcmd, Long.toString(pid()), "GC.run"));
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
