package io.twd.daemon.internal.lifecycle;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.netty.channel.Channel;
import io.twd.daemon.internal.admin.AdminServer;
import io.twd.daemon.internal.handoff.Faults;
import io.twd.daemon.internal.handoff.HandoffException;
import io.twd.daemon.internal.handoff.Handover;
import io.twd.daemon.internal.handoff.Successor;
import io.twd.daemon.internal.process.Daemonizer;
import io.twd.daemon.internal.process.SelfCommand;
import io.twd.daemon.internal.proxy.Engine;
import io.twd.daemon.internal.proxy.EngineSettings;
import io.twd.daemon.internal.proxy.Log;
import io.twd.daemon.internal.stats.CounterCarry;
import io.twd.daemon.internal.stats.StatsReport;
import io.twd.daemon.internal.stats.StatsServer;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminResponse;
import io.twd.protocol.config.ConfigException;
import io.twd.protocol.config.ConfigLoader;
import io.twd.protocol.config.ConfigWriter;
import io.twd.protocol.config.TwdConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One twd process from start to exit: it serves one config, answers the admin socket, and applies
 * a change by handing everything to a new process (see docs/handoff.md) and then draining.
 */
public final class Daemon implements Handover.Host {
    /** What the command line says; the same arguments start a successor. */
    public record Options(String confFile, String statsAddr, int statsPort, String pidFile, String adminSocket,
                          long handoffTimeoutMillis, long drainTimeoutMillis, EngineSettings settings,
                          String mainClass, List<String> args) {
    }

    static final long BUSY_TIMEOUT_SECONDS = 60;
    /** How long a handed-over process waits for the admin reply of its change to be written. */
    static final long REPLY_TIMEOUT_SECONDS = 5;

    private final Options opts;
    private final ExecutorService changes = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "twd-change");
        t.setDaemon(true);
        return t;
    });
    private volatile TwdConfig config;
    private Engine engine;
    private StatsServer stats;
    private AdminServer admin;
    private volatile long generation = 1;
    private volatile long predecessorPid = -1;
    /** Set once a successor holds our listening sockets: their files are its now. */
    private volatile boolean handedOver;
    private volatile boolean stopping;

    public Daemon(Options opts) {
        this.opts = opts;
    }

    /** Starts serving; returns 0, or 1 after printing why it could not start. */
    public int start() {
        Successor successor;
        try {
            successor = Successor.fromEnvironment();
        } catch (HandoffException e) {
            return fail(null, e.getMessage());
        }
        Path source = successor != null && Successor.candidateConfig() != null
            ? Successor.candidateConfig() : Path.of(opts.confFile());
        try {
            config = ConfigLoader.load(source);
        } catch (ConfigException e) {
            return fail(successor, e.getMessage());
        }
        engine = new Engine(config, opts.settings());
        stats = new StatsServer(engine);
        admin = new AdminServer(this, opts.adminSocket(), engine.group());
        String statsKey = StatsServer.key(opts.statsAddr(), opts.statsPort());
        String adminKey = AdminServer.key(opts.adminSocket());
        Map<String, Integer> inherited = Map.of();
        try {
            if (successor != null) {
                JsonObject state = successor.state();
                Faults.at("after-hello");
                generation = state.get("generation").getAsLong() + 1;
                predecessorPid = state.get("pid").getAsLong();
                engine.inheritStartMillis(state.get("start_millis").getAsLong());
                List<String> keys = new ArrayList<>();
                config.pools().forEach(p -> keys.add(Engine.listenerKey(p.listen())));
                keys.add(statsKey);
                keys.add(adminKey);
                inherited = successor.takeListeners(keys);
            }
            // Bind what is new first: a failure here leaves the predecessor serving untouched.
            engine.bindListeners(inherited.keySet());
            if (!inherited.containsKey(statsKey)) {
                stats.start(opts.statsAddr(), opts.statsPort());
            }
            if (!inherited.containsKey(adminKey)) {
                admin.bind();
            }
            engine.adoptListeners(inherited);
            if (inherited.containsKey(statsKey)) {
                stats.adopt(inherited.get(statsKey));
            }
            if (inherited.containsKey(adminKey)) {
                admin.adopt(inherited.get(adminKey));
            }
            if (successor != null) {
                Faults.at("before-ready");
                successor.ready();
                successor.receiveClients(engine, counters -> {
                    if (counters != null) {
                        CounterCarry.apply(engine, counters);
                    }
                    predecessorPid = -1;
                    Log.notice("handoff: the previous process has finished draining");
                });
            }
            if (opts.pidFile() != null) {
                writePidFile();
            }
        } catch (IOException | HandoffException | RuntimeException e) {
            stats.stop();
            admin.stop(false);
            engine.stop(false);
            return fail(successor, e.getMessage());
        }
        Signals.install(this);
        Runtime.getRuntime().addShutdownHook(new Thread(this::onExit, "twd-exit"));
        Log.notice("twd started on pid %d, generation %d, %d pools, stats on %s:%d, admin socket %s",
            ProcessHandle.current().pid(), generation, config.pools().size(), opts.statsAddr(),
            opts.statsPort(), opts.adminSocket());
        Daemonizer.notifyReady();
        return 0;
    }

    private int fail(Successor successor, String reason) {
        if (successor != null) {
            successor.fail(reason);
            successor.close();
        }
        System.err.println("twd: " + reason);
        Log.error("%s", reason);
        return 1;
    }

    // ---- admin commands that only read ----

    /** Answers a command that changes nothing; runs on an event loop, so it must not block. */
    public AdminResponse query(AdminRequest request) {
        return AdminQueries.answer(this, request);
    }

    TwdConfig config() {
        return config;
    }

    Engine engine() {
        return engine;
    }

    String configFile() {
        return opts.confFile();
    }

    JsonObject status() {
        JsonObject s = new JsonObject();
        s.addProperty("pid", ProcessHandle.current().pid());
        s.addProperty("generation", generation);
        s.addProperty("uptime", (System.currentTimeMillis() - engine.startMillis()) / 1000);
        s.addProperty("config", Path.of(opts.confFile()).toAbsolutePath().toString());
        s.addProperty("admin_socket", opts.adminSocket());
        JsonArray pools = new JsonArray();
        config.pools().forEach(p -> pools.add(p.name()));
        s.add("pools", pools);
        s.addProperty("client_connections", engine.clientCount());
        JsonArray draining = new JsonArray();
        long pred = predecessorPid;
        if (pred > 0) {
            JsonObject d = new JsonObject();
            d.addProperty("pid", pred);
            d.addProperty("generation", generation - 1);
            draining.add(d);
        }
        s.add("draining", draining);
        return s;
    }

    String statsJson() {
        return StatsReport.render(engine).trim();
    }

    // ---- changes ----

    /** A change waiting for its turn or being applied. */
    public record PendingChange(CompletableFuture<AdminResponse> result, AtomicBoolean started,
                                CompletableFuture<Void> replied) {
        /** Drops the change if it has not started yet (its client went away). */
        public void cancelIfWaiting() {
            if (started.compareAndSet(false, true)) {
                result.complete(AdminResponse.err("cancelled: the client went away"));
            }
        }

        /**
         * The reply has been written to whoever asked (or cannot be): after a handoff, the old
         * process waits for this before it moves connections and closes its admin connections,
         * which would otherwise race with the reply and could drop it.
         */
        public void replySent() {
            replied.complete(null);
        }
    }

    /**
     * Applies a change: one at a time, in arrival order. A change waits for the one before it for
     * up to {@link #BUSY_TIMEOUT_SECONDS}, then gets {@code ERR busy: ...}; each is answered only
     * once it is live or has failed.
     */
    public PendingChange submitChange(AdminRequest request) {
        CompletableFuture<AdminResponse> result = new CompletableFuture<>();
        AtomicBoolean started = new AtomicBoolean();
        CompletableFuture<Void> replied = new CompletableFuture<>();
        changes.execute(() -> {
            if (!started.compareAndSet(false, true)) {
                return;
            }
            try {
                result.complete(applyChange(request, replied));
            } catch (RuntimeException e) {
                Log.error("change failed: %s", e);
                result.complete(AdminResponse.err("change not applied: " + e.getMessage()));
            }
        });
        CompletableFuture.delayedExecutor(BUSY_TIMEOUT_SECONDS, TimeUnit.SECONDS).execute(() -> {
            if (started.compareAndSet(false, true)) {
                result.complete(AdminResponse.err("busy: another change is still being applied; try again"));
            }
        });
        return new PendingChange(result, started, replied);
    }

    private AdminResponse applyChange(AdminRequest request, CompletableFuture<Void> replied) {
        if (handedOver || stopping) {
            return AdminResponse.err("this process is draining; send the command again (the new process serves it)");
        }
        TwdConfig candidate;
        boolean persist;
        try {
            if (request instanceof AdminRequest.Reload) {
                candidate = ConfigLoader.load(Path.of(opts.confFile()));
                persist = false;
            } else if (request instanceof AdminRequest.Upgrade) {
                candidate = config;
                persist = false;
            } else {
                candidate = ConfigChanges.apply(config, request);
                persist = true;
            }
        } catch (ConfigException e) {
            return AdminResponse.err(e.getMessage());
        } catch (IllegalArgumentException e) {
            return AdminResponse.err(e.getMessage());
        }
        String yaml = ConfigWriter.toYaml(candidate);
        Path candidateFile = null;
        try {
            if (persist) {
                candidateFile = Files.createTempFile("twd-candidate-", ".yml");
                Files.writeString(candidateFile, yaml, StandardCharsets.UTF_8);
            }
            Handover handover = new Handover(this);
            long pid;
            try {
                pid = handover.run(successorCommand(), candidateFile, opts.handoffTimeoutMillis());
            } catch (HandoffException e) {
                Log.warn("change not applied: %s", e.getMessage());
                return AdminResponse.err("change not applied: " + e.getMessage());
            }
            handedOver = true;
            String warning = "";
            if (persist) {
                try {
                    ConfigFiles.writeAtomically(Path.of(opts.confFile()), yaml);
                } catch (IOException e) {
                    warning = " warning=\"config file not written: " + e.getMessage().replace('"', '\'') + "\"";
                    Log.error("the change is live in pid %d but %s was not written: %s", pid, opts.confFile(), e);
                }
            }
            Log.notice("handoff: generation %d is live in pid %d; draining", generation + 1, pid);
            TwdConfig running = config;
            Thread drain = new Thread(() -> drainAndExit(handover, running, candidate, replied), "twd-drain");
            drain.start();
            return AdminResponse.ok("generation=" + (generation + 1) + " pid=" + pid + warning);
        } catch (IOException e) {
            return AdminResponse.err("change not applied: " + e.getMessage());
        } finally {
            if (candidateFile != null) {
                try {
                    Files.deleteIfExists(candidateFile);
                } catch (IOException ignored) {
                    // a temp file; the system cleans it eventually
                }
            }
        }
    }

    private List<String> successorCommand() {
        List<String> args = new ArrayList<>(opts.args());
        args.removeIf(a -> a.equals("-d") || a.equals("--daemonize"));
        return SelfCommand.command(opts.mainClass(), args);
    }

    /** After the successor is live: move or finish every client, pass the counters on, exit. */
    private void drainAndExit(Handover handover, TwdConfig running, TwdConfig successorConfig,
                              CompletableFuture<Void> replied) {
        // The admin reply that announces the change goes out before connections move and before
        // the admin connections close (a fixed 50 ms sleep lost the reply on a loaded machine).
        try {
            replied.get(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            Log.warn("handoff: the admin reply was not written within %d s; draining anyway", REPLY_TIMEOUT_SECONDS);
        }
        engine.handOffClients(handover.clientHandoff(running, successorConfig));
        waitForClients(opts.drainTimeoutMillis());
        admin.closeConnections();
        handover.bye(CounterCarry.export(engine));
        handover.close();
        Log.notice("handoff: drained; exiting");
        System.exit(0);
    }

    private void waitForClients(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (engine.clientCount() > 0 && System.currentTimeMillis() < deadline) {
            sleep(20);
        }
        int left = engine.clientCount();
        if (left > 0) {
            Log.warn("drain deadline: closing %d client connections that never reached a request boundary", left);
            engine.closeAllClients();
            long grace = System.currentTimeMillis() + 1000;
            while (engine.clientCount() > 0 && System.currentTimeMillis() < grace) {
                sleep(20);
            }
        }
    }

    // ---- Handover.Host ----

    @Override
    public JsonObject state() {
        JsonObject s = new JsonObject();
        s.addProperty("generation", generation);
        s.addProperty("pid", ProcessHandle.current().pid());
        s.addProperty("start_millis", engine.startMillis());
        return s;
    }

    @Override
    public Map<String, Channel> listeners() {
        Map<String, Channel> all = new LinkedHashMap<>(engine.listeners());
        if (stats.channel() != null) {
            all.put(StatsServer.key(opts.statsAddr(), opts.statsPort()), stats.channel());
        }
        if (admin.channel() != null) {
            all.put(AdminServer.key(opts.adminSocket()), admin.channel());
        }
        return all;
    }

    @Override
    public void stopAccepting() {
        handedOver = true;
        engine.closeListeners(true);
        stats.stop();
        admin.stop(true);
    }

    // ---- signals and exit ----

    /** SIGTERM/SIGINT: stop accepting, finish what clients asked, exit. */
    void stopGracefully() {
        if (stopping) {
            return;
        }
        stopping = true;
        Thread t = new Thread(() -> {
            Log.notice("stopping: draining client connections");
            if (!handedOver) {
                engine.closeListeners(false);
                stats.stop();
                admin.stop(false);
            }
            engine.handOffClients(null);
            waitForClients(opts.drainTimeoutMillis());
            System.exit(0);
        }, "twd-stop");
        t.start();
    }

    void reloadFromSignal(AdminRequest request) {
        PendingChange change = submitChange(request);
        change.result().thenAccept(r -> {
            change.replySent();
            if (r.ok()) {
                Log.notice("%s: %s", request.toLine(), r.text());
            } else {
                Log.error("%s failed: %s", request.toLine(), r.text());
            }
        });
    }

    private void onExit() {
        stats.stop();
        admin.stop(handedOver);
        engine.stop(handedOver);
        deletePidFile();
    }

    private void writePidFile() throws IOException {
        Path path = Path.of(opts.pidFile());
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        Files.writeString(tmp, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void deletePidFile() {
        if (opts.pidFile() == null) {
            return;
        }
        try {
            Path path = Path.of(opts.pidFile());
            // Only our own pid: after a handoff the file names the successor.
            if (Files.readString(path).trim().equals(Long.toString(ProcessHandle.current().pid()))) {
                Files.delete(path);
            }
        } catch (IOException ignored) {
            // already gone
        }
    }

    static String pretty(JsonObject o) {
        return new GsonBuilder().setPrettyPrinting().create().toJson(o);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
