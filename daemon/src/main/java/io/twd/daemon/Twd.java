package io.twd.daemon;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import io.twd.daemon.internal.lifecycle.Daemon;
import io.twd.daemon.internal.process.Daemonizer;
import io.twd.daemon.internal.proxy.EngineSettings;
import io.twd.daemon.internal.proxy.Log;
import io.twd.daemon.internal.stats.StatsReport;
import io.twd.protocol.admin.AdminProtocol;
import io.twd.protocol.config.ConfigException;
import io.twd.protocol.config.ConfigLoader;
import io.twd.protocol.config.PoolConfig;
import io.twd.protocol.config.TwdConfig;
import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code twd}: the proxy daemon, taking nutcracker's flags so it can replace it in place. */
@Command(name = "twd", sortOptions = false, usageHelpAutoWidth = true,
    description = "A twemproxy-compatible redis/memcached sharding proxy.",
    footer = {"", "Exit status: 0 on success, 1 on a start or configuration error, 2 on a usage error."})
public final class Twd implements Callable<Integer> {
    public static final String VERSION = "0.1.0";

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-V", "--version"}, description = "Show the version and exit.")
    boolean version;

    @Option(names = {"-t", "--test-conf"}, description = "Test the configuration for syntax errors and exit.")
    boolean testConf;

    @Option(names = {"-d", "--daemonize"}, description = "Run as a daemon; returns once serving.")
    boolean daemonize;

    @Option(names = {"-D", "--describe-stats"}, description = "Print the stats descriptions and exit.")
    boolean describeStats;

    @Option(names = {"-v", "--verbose"}, paramLabel = "N", description = "Log level, 0..11 (default: ${DEFAULT-VALUE}).")
    int verbose = Log.NOTICE;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Log file (default: stderr).")
    String output;

    @Option(names = {"-c", "--conf-file"}, paramLabel = "FILE", description = "Configuration file (default: ${DEFAULT-VALUE}).")
    String confFile = "conf/nutcracker.yml";

    @Option(names = {"-s", "--stats-port"}, paramLabel = "PORT", description = "Stats monitoring port (default: ${DEFAULT-VALUE}).")
    int statsPort = 22222;

    @Option(names = {"-a", "--stats-addr"}, paramLabel = "ADDR", description = "Stats monitoring address (default: ${DEFAULT-VALUE}).")
    String statsAddr = "0.0.0.0";

    @Option(names = {"-i", "--stats-interval"}, paramLabel = "MS",
        description = "Stats aggregation interval in ms (default: ${DEFAULT-VALUE}); twd's stats are always current.")
    int statsInterval = 30000;

    @Option(names = {"-p", "--pid-file"}, paramLabel = "FILE", description = "Pid file (default: none).")
    String pidFile;

    @Option(names = {"-m", "--mbuf-size"}, paramLabel = "BYTES",
        description = "Buffer chunk size, 512..16777216 (default: ${DEFAULT-VALUE}); as in twemproxy, keys must be shorter than this minus 48.")
    int mbufSize = EngineSettings.DEFAULT_MBUF_SIZE;

    @Option(names = "--threads", paramLabel = "N",
        description = "Event loop threads, 1..1024 (default: half the cores, at least 1; here ${DEFAULT-VALUE}).")
    int threads = EngineSettings.defaultThreads();

    @Option(names = "--admin-socket", paramLabel = "PATH",
        description = "Admin socket (default: /run/twd/admin.sock as root, else $XDG_RUNTIME_DIR/twd/admin.sock or /tmp/twd-UID/admin.sock).")
    String adminSocket;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS",
        description = "After a handoff or on SIGTERM, how long connections may take to reach a request boundary (default: ${DEFAULT-VALUE}).")
    int drainTimeout = 30;

    @Option(names = "--handoff-timeout", paramLabel = "SECONDS",
        description = "How long a new process may take to become ready during reload/upgrade (default: ${DEFAULT-VALUE}).")
    int handoffTimeout = 30;

    @Option(names = "--max-request-size", paramLabel = "BYTES", converter = Sizes.class,
        description = "Largest request accepted, 2k..2g (default: 512m); k, m, g suffixes are powers of 1024.")
    long maxRequestBytes = EngineSettings.DEFAULT_MAX_REQUEST_BYTES;

    @Option(names = "--max-multibulk-length", paramLabel = "N",
        description = "Most arguments in one redis request (default: ${DEFAULT-VALUE}).")
    int maxMultibulkLength = EngineSettings.DEFAULT_MAX_MULTIBULK_LENGTH;

    @Option(names = "--client-max-pending", paramLabel = "N",
        description = "Requests a client may have outstanding before twd stops reading it until replies drain (default: ${DEFAULT-VALUE}).")
    int maxPending = EngineSettings.DEFAULT_MAX_PENDING_REQUESTS;

    @Option(names = "--client-output-limit", paramLabel = "BYTES", converter = Sizes.class,
        description = "Replies a client may leave unread before it is closed; 0: no limit (default: 256m).")
    long clientOutputLimit = EngineSettings.DEFAULT_CLIENT_OUTPUT_LIMIT;

    @Option(names = "--admin-max-line", paramLabel = "BYTES", converter = Sizes.class,
        description = "Longest admin request line, 256..65536 (default: 65536).")
    long adminMaxLine = AdminProtocol.MAX_LINE_BYTES;

    @Option(names = "--admin-group", paramLabel = "GROUP",
        description = "Members of this group (name or gid) may use the admin socket too (default: only root and the daemon's user).")
    String adminGroup;

    private final List<String> originalArgs;

    Twd(List<String> originalArgs) {
        this.originalArgs = originalArgs;
    }

    public static void main(String[] args) {
        // Netty's pooled allocator emits JFR events. Their event classes are registered on the
        // first buffer allocation, which initializes JFR's type library: about 200 ms during
        // which a new process's first client request waits (also after every reload). twd
        // records none of them; -Dio.netty.jfr.enabled=true brings them back.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        // Netty would look for SLF4J, Log4j 2 and Log4j before settling on java.util.logging,
        // which is all the shaded jar has: loading and failing those classes is time a new
        // process spends before it can take over (a reload).
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        CommandLine cmd = new CommandLine(new Twd(Arrays.asList(args)));
        cmd.setParameterExceptionHandler((ex, a) -> {
            System.err.println("twd: " + ex.getMessage());
            System.err.println("Try 'twd -h' for the usage.");
            return 2;
        });
        int status = cmd.execute(args);
        if (status != 0 || Boolean.getBoolean("twd.exitAfterMain")) {
            System.exit(status);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (version) {
            System.err.println("This is twd-" + VERSION + " (twemproxy 0.5.0 compatible)");
            System.err.println("async event backend: epoll (netty)");
            return 0;
        }
        if (describeStats) {
            System.out.print("This is twd-" + VERSION + "\n\n" + StatsReport.describe());
            return 0;
        }
        String invalid = checkFlags();
        if (invalid != null) {
            System.err.println("twd: " + invalid);
            return 2;
        }
        if (testConf) {
            return testConfig();
        }
        if (daemonize) {
            List<String> childArgs = new ArrayList<>(originalArgs);
            childArgs.removeIf(a -> a.equals("-d") || a.equals("--daemonize"));
            return Daemonizer.spawn(Twd.class.getName(), childArgs);
        }
        return run();
    }

    private String checkFlags() {
        if (statsPort < 1 || statsPort > 65535) {
            return "option -s requires a valid port, not '" + statsPort + "'";
        }
        if (mbufSize < 512 || mbufSize > 16 * 1024 * 1024) {
            return "option -m requires a size between 512 and 16777216, not '" + mbufSize + "'";
        }
        if (verbose < 0 || verbose > 11) {
            return "option -v requires a level between 0 and 11, not '" + verbose + "'";
        }
        if (drainTimeout < 0 || handoffTimeout < 1) {
            return "--drain-timeout must be >= 0 and --handoff-timeout >= 1";
        }
        if (threads < 1 || threads > EngineSettings.MAX_THREADS) {
            return "option --threads requires a number between 1 and " + EngineSettings.MAX_THREADS + ", not '" + threads + "'";
        }
        if (maxRequestBytes < EngineSettings.MIN_REQUEST_BYTES || maxRequestBytes > 1L << 31) {
            return "option --max-request-size requires a size between 2k and 2g, not '" + maxRequestBytes + "'";
        }
        if (maxMultibulkLength < 1) {
            return "option --max-multibulk-length requires a positive number";
        }
        if (maxPending < 1) {
            return "option --client-max-pending requires a positive number";
        }
        if (clientOutputLimit < 0) {
            return "option --client-output-limit requires a size (0 for no limit)";
        }
        if (adminMaxLine < 256 || adminMaxLine > AdminProtocol.MAX_LINE_BYTES) {
            return "option --admin-max-line requires a size between 256 and " + AdminProtocol.MAX_LINE_BYTES
                + ", not '" + adminMaxLine + "'";
        }
        if (adminGroup != null) {
            try {
                adminGid = Groups.gid(adminGroup);
            } catch (IllegalArgumentException e) {
                return "option --admin-group: " + e.getMessage();
            }
        }
        return null;
    }

    private int adminGid = -1;

    private int testConfig() {
        try {
            TwdConfig config = ConfigLoader.load(Path.of(confFile));
            // Like nutcracker -t: listen addresses are resolved, nothing is bound.
            for (PoolConfig p : config.pools()) {
                if (!p.listen().isUnix()) {
                    try {
                        p.listen().resolve();
                    } catch (UnknownHostException e) {
                        System.err.println(confFile + ": pool '" + p.name() + "': listen address '"
                            + p.listen().text() + "' does not resolve");
                        System.err.println("twd: configuration file '" + confFile + "' syntax is invalid");
                        return 1;
                    }
                }
            }
            System.err.println("twd: configuration file '" + confFile + "' syntax is ok");
            return 0;
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.err.println("twd: configuration file '" + confFile + "' syntax is invalid");
            return 1;
        }
    }

    private int run() throws IOException {
        Log.setLevel(verbose);
        if (output != null) {
            Log.open(output);
        }
        Daemon daemon = new Daemon(new Daemon.Options(confFile, statsAddr, statsPort, pidFile,
            adminSocket != null ? adminSocket : AdminProtocol.defaultSocketPath(),
            handoffTimeout * 1000L, drainTimeout * 1000L,
            EngineSettings.defaults(mbufSize).withThreads(threads)
                .withLimits(maxMultibulkLength, maxRequestBytes, maxPending, clientOutputLimit),
            Twd.class.getName(), originalArgs, new Daemon.AdminAccess((int) adminMaxLine, adminGid)));
        return daemon.start();
    }
}
