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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One twd process from start to exit: it serves one config, answers the admin socket, and applies
 * a change by handing everything to a new process (see docs/handoff.md) and then draining.
 */
public final class Daemon implements Handover.Host {
    /** What the command line says; the same arguments start a successor. */
    public record Options(String confFile, String statsAddr, int statsPort, String pidFile, String adminSocket,
                          long handoffTimeoutMillis, long drainTimeoutMillis, EngineSettings settings,
                          String mainClass, List<String> args, AdminAccess admin) {
    }

    /**
     * Who may use the admin socket and how long a request line may be.
     *
     * @param maxLineBytes {@code --admin-max-line}
     * @param gid {@code --admin-group}: members may connect too; -1 for none
     */
    public record AdminAccess(int maxLineBytes, int gid) {
    }

    static final long BUSY_TIMEOUT_SECONDS = 60;
    /** How long a drained process stays, its sockets parked, for a successor that does not confirm. */
    static final long SUCCESSOR_GRACE_MILLIS = 1000;
    /** How long it waits for a successor that confirms to have adopted every connection. */
    static final long ADOPTION_TIMEOUT_MILLIS = 30_000;

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
    /** The predecessor sent its counters with GO: BYE then adds only their growth. */
    private volatile boolean countersAtGo;
    /** What the predecessor reported once it finished draining (for status), or null. */
    private volatile JsonObject lastHandoff;
    /**
     * The drain after a handoff: under way, finished (the process exits), or abandoned because the
     * successor died first (the process serves on). Changed under {@link #handoffLock}.
     */
    private static final int DRAINING = 1;
    private static final int FINISHED = 2;
    private static final int ROLLED_BACK = 3;
    private final AtomicInteger drainState = new AtomicInteger();
    private final Object handoffLock = new Object();
    /** The config file as it was before a pool change wrote it, to put back on a rollback. */
    private byte[] configBeforeChange;
    /** Set once a successor holds our listening sockets: their files are its now. */
    private volatile boolean handedOver;
    /** The handoff that made this process a predecessor (admin connections move through it). */
    private volatile Handover handover;
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
        } finally {
            if (!source.equals(Path.of(opts.confFile()))) {
                // The predecessor's temp file, read once: gone even if the predecessor dies now.
                try {
                    Files.deleteIfExists(source);
                } catch (IOException ignored) {
                    // the predecessor deletes it too
                }
            }
        }
        engine = new Engine(config, opts.settings());
        stats = new StatsServer(engine);
        admin = new AdminServer(this, opts.adminSocket(), engine.group(), opts.admin());
        String statsKey = StatsServer.key(opts.statsAddr(), opts.statsPort());
        String adminKey = AdminServer.key(opts.adminSocket());
        Map<String, Integer> inherited = Map.of();
        int keysWanted = 0;
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
                keysWanted = keys.size();
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
            if (successor != null) {
                Faults.at("before-ready");
                // What this process does once, it does before READY: after GO the first clients
                // to move wait for it, and share the CPU with it. The thread that adopts them
                // (it waits for startReceiving below), the classes of the request path, and the
                // first log line (the formatter, the time zone: 10-30 ms in a new JVM).
                successor.receiveClients(engine, admin::adoptConnection, bye -> {
                    JsonObject last = new JsonObject();
                    last.addProperty("from_pid", predecessorPid);
                    last.addProperty("from_generation", generation - 1);
                    last.addProperty("clients_received", engine.adoptedClients());
                    if (bye != null) {
                        // Having had the counters at GO, add what they grew by since; a predecessor
                        // of an older build sent none at GO and sends its totals here.
                        carryCounters(countersAtGo && bye.has("growth") ? bye.getAsJsonObject("growth") : bye);
                        if (bye.has("handoff")) {
                            bye.getAsJsonObject("handoff").entrySet().forEach(e -> last.add(e.getKey(), e.getValue()));
                        }
                    } else {
                        last.addProperty("error", "the previous process went away without its report");
                    }
                    lastHandoff = last;
                    predecessorPid = -1;
                    Log.notice("handoff: the previous process has finished draining");
                });
                engine.prepareToServe();
                Log.notice("handoff: ready to take over from pid %d (generation %d), %d of %d listening sockets inherited",
                    predecessorPid, generation - 1, inherited.size(), keysWanted);
                // Not accepting on the inherited sockets yet: until the predecessor says GO it may
                // still give up on us (timeout, its own failure) and kill this process, and a
                // connection accepted here would then be reset. Meanwhile it accepts, and after
                // GO the kernel queues connections until we adopt the sockets below.
                JsonObject counters = successor.ready();
                Faults.at("after-go");
                if (counters != null) {
                    // Before the stats port is ours: a reader never sees the counters go down.
                    // And before the first client is served: they hold the ejected servers.
                    carryCounters(counters);
                    countersAtGo = true;
                }
                // The predecessor starts moving its connections at GO, and the requests on them
                // wait until they are read here: take them before the listeners, stats and admin
                // sockets.
                successor.startReceiving();
            }
            engine.adoptListeners(inherited);
            if (inherited.containsKey(statsKey)) {
                stats.adopt(inherited.get(statsKey));
            }
            if (inherited.containsKey(adminKey)) {
                admin.adopt(inherited.get(adminKey));
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
            d.addProperty("clients_received", engine.adoptedClients());
            draining.add(d);
        }
        s.add("draining", draining);
        if (lastHandoff != null) {
            s.add("last_handoff", lastHandoff);
        }
        return s;
    }

    String statsJson() {
        return StatsReport.render(engine).trim();
    }

    // ---- changes ----

    /** A change waiting for its turn or being applied. */
    public record PendingChange(CompletableFuture<AdminResponse> result, AtomicBoolean started) {
        /** Drops the change if it has not started yet (its client went away). */
        public void cancelIfWaiting() {
            if (started.compareAndSet(false, true)) {
                result.complete(AdminResponse.err("cancelled: the client went away"));
            }
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
        changes.execute(() -> {
            if (!started.compareAndSet(false, true)) {
                return;
            }
            try {
                result.complete(applyChange(request));
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
        return new PendingChange(result, started);
    }

    private AdminResponse applyChange(AdminRequest request) {
        if (handedOver || stopping) {
            return AdminResponse.err("this process is draining; send the command again (the new process serves it)");
        }
        // One handoff at a time across processes too: while our predecessor still moves its
        // clients to us, a handoff of ours would miss those that arrive after it started.
        long deadline = System.currentTimeMillis() + opts.drainTimeoutMillis() + 5000;
        while (predecessorPid > 0 && System.currentTimeMillis() < deadline) {
            sleep(20);
        }
        if (predecessorPid > 0) {
            return AdminResponse.err("busy: the previous process (pid " + predecessorPid
                + ") is still draining; nothing changed, try again");
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
            this.handover = handover;
            drainState.set(DRAINING);
            handover.onSuccessorExit(() -> successorLost(handover));
            String warning = "";
            if (opts.pidFile() != null) {
                // Before the reply: once the change is live, the pid file names the new process.
                // (The successor writes it too, a little later; the content is the same.)
                try {
                    writePidFile(pid);
                } catch (IOException e) {
                    Log.error("the change is live in pid %d but the pid file %s was not written: %s", pid, opts.pidFile(), e);
                }
            }
            if (persist) {
                synchronized (handoffLock) {
                    if (drainState.get() == DRAINING) {
                        warning = writeConfigFile(yaml, pid);
                    }
                }
            }
            Log.notice("handoff: generation %d is live in pid %d; draining", generation + 1, pid);
            TwdConfig running = config;
            Thread drain = new Thread(() -> drainAndExit(handover, running, candidate), "twd-drain");
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

    /** Writes the changed config; returns the reply's warning ("" when written). */
    private String writeConfigFile(String yaml, long pid) {
        Path file = Path.of(opts.confFile());
        try {
            configBeforeChange = Files.readAllBytes(file);
        } catch (IOException e) {
            configBeforeChange = null;
        }
        try {
            ConfigFiles.writeAtomically(file, yaml);
            return "";
        } catch (IOException e) {
            configBeforeChange = null;
            Log.error("the change is live in pid %d but %s was not written: %s", pid, opts.confFile(), e);
            String reason = e.getMessage() != null ? e.getMessage() : e.toString();
            return " warning=\"config file not written: " + reason.replace('"', '\'') + "\"";
        }
    }

    /**
     * The successor exited before this process finished draining into it: it had stopped
     * accepting, so nobody would serve. Take the listening sockets back (parked, never closed) and
     * the clients not moved yet, put the config file and pid file back, and serve on with the
     * config this process has. Clients that had moved are lost with the successor.
     */
    private void successorLost(Handover handover) {
        synchronized (handoffLock) {
            if (!drainState.compareAndSet(DRAINING, ROLLED_BACK)) {
                return; // the drain is over: this process is exiting anyway
            }
            Log.error("handoff: the new process (pid %d) exited before this one had finished draining;"
                + " taking serving back (pid %d, generation %d)", handover.successorPid(),
                ProcessHandle.current().pid(), generation);
            engine.unparkListeners();
            if (!stats.unpark()) {
                try {
                    stats.start(opts.statsAddr(), opts.statsPort());
                } catch (IOException | RuntimeException e) {
                    Log.error("the stats port cannot listen again: %s", e.getMessage());
                }
            }
            admin.unpark();
            engine.rejoinClients();
            handedOver = false;
            this.handover = null;
            if (configBeforeChange != null) {
                try {
                    ConfigFiles.writeBytesAtomically(Path.of(opts.confFile()), configBeforeChange);
                    Log.notice("handoff: %s is back to the config this process serves", opts.confFile());
                } catch (IOException e) {
                    Log.error("handoff: %s holds the change that did not go live, and putting it back failed: %s",
                        opts.confFile(), e);
                }
                configBeforeChange = null;
            }
            if (opts.pidFile() != null) {
                try {
                    writePidFile();
                } catch (IOException e) {
                    Log.error("cannot write pid file %s: %s", opts.pidFile(), e);
                }
            }
            handover.close();
        }
    }

    private List<String> successorCommand() {
        List<String> args = new ArrayList<>(opts.args());
        args.removeIf(a -> a.equals("-d") || a.equals("--daemonize"));
        return SelfCommand.command(opts.mainClass(), args);
    }

    /** After the successor is live: move or finish every client, pass the counters on, exit. */
    private void drainAndExit(Handover handover, TwdConfig running, TwdConfig successorConfig) {
        synchronized (handoffLock) {
            if (drainState.get() != DRAINING) {
                return;
            }
            // Admin connections first: the one that asked for this change is still waiting for its
            // reply, so it moves right after the reply; the others stop reading now.
            admin.handOff(handover::migrateAdmin);
            engine.handOffClients(handover.clientHandoff(running, successorConfig));
        }
        waitForClients(opts.drainTimeoutMillis());
        long adminDeadline = System.currentTimeMillis() + 2000;
        while (admin.connectionCount() > 0 && System.currentTimeMillis() < adminDeadline
                && drainState.get() == DRAINING) {
            sleep(20);
        }
        // The sockets stay parked until the successor has adopted every connection sent to it: if
        // it dies first, this process takes serving back. A successor of an older build does not
        // confirm; it gets a moment for its death to show.
        boolean confirms = handover.confirmsAdoption();
        long waitEnd = System.currentTimeMillis() + (confirms ? ADOPTION_TIMEOUT_MILLIS : SUCCESSOR_GRACE_MILLIS);
        while (System.currentTimeMillis() < waitEnd && drainState.get() == DRAINING
                && !(confirms && handover.allAdopted())) {
            sleep(20);
        }
        if (confirms && !handover.allAdopted() && drainState.get() == DRAINING) {
            Log.warn("handoff: the new process has not confirmed every connection after %d s; finishing anyway",
                ADOPTION_TIMEOUT_MILLIS / 1000);
        }
        if (!drainState.compareAndSet(DRAINING, FINISHED)) {
            return; // the successor died: this process serves on
        }
        admin.closeConnections();
        // The totals (what a successor of an older build adds) and what they grew by since GO.
        JsonObject bye = CounterCarry.export(engine);
        bye.add("growth", counterGrowth(bye, handover.sentCounters()));
        JsonObject report = engine.departures();
        bye.add("handoff", report);
        handover.bye(bye);
        handover.close();
        Log.notice("handoff: drained: %d client connections moved, closed: %s; exiting",
            report.get("moved").getAsLong(), report.get("closed"));
        System.exit(0);
    }

    private void waitForClients(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (engine.clientCount() > 0 && System.currentTimeMillis() < deadline
                && drainState.get() != ROLLED_BACK) {
            engine.checkMoves();
            sleep(20);
        }
        if (drainState.get() == ROLLED_BACK) {
            return;
        }
        int hurried = engine.hurryClients();
        if (hurried > 0 && engine.clientCount() > 0) {
            // They never got their turn (others held it up): they move now, all at once.
            Log.warn("drain deadline: %d client connections still waiting for their turn now move all at once", hurried);
            awaitNoClients(2000);
        }
        int left = engine.clientCount();
        if (left > 0 && drainState.get() != ROLLED_BACK) {
            Log.warn("drain deadline: closing %d client connections that never reached a request boundary", left);
            engine.closeAllClients();
            awaitNoClients(1000);
        }
    }

    /** Up to {@code millis} for the last client connections to go, unless the successor died. */
    private void awaitNoClients(long millis) {
        long grace = System.currentTimeMillis() + millis;
        while (engine.clientCount() > 0 && System.currentTimeMillis() < grace && drainState.get() != ROLLED_BACK) {
            sleep(20);
        }
    }

    /**
     * Where an admin connection goes once this process has handed over (null while it serves).
     * The connection that asked for the change checks this when it writes the reply: the drain
     * thread's {@link AdminServer#handOff} may reach it only after the reply, and it must not read
     * (and answer from this old process) what the operator sends next.
     */
    public AdminServer.AdminHandoff adminHandoff() {
        Handover h = handover;
        return h == null ? null : h::migrateAdmin;
    }

    // ---- counters across a handoff ----

    /**
     * Adds a predecessor's counters to ours, and waits until they are in: first those it had at GO,
     * then at BYE what they grew by while it drained. So the stats port, served by this process
     * from GO on, never shows a counter lower than the predecessor showed.
     */
    private void carryCounters(JsonObject counters) {
        CounterCarry.apply(engine, counters);
        if (counters.has("total_connections")) {
            engine.inheritTotalConnections(counters.get("total_connections").getAsLong());
        }
        java.util.concurrent.CountDownLatch applied = new java.util.concurrent.CountDownLatch(1);
        engine.runOnFirstLoop(applied::countDown); // runs after the apply, queued on the same loop
        try {
            applied.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Fields of exported counters that are states, not counts: passed on as they are. */
    private static final Set<String> NOT_COUNTS = Set.of("start_millis", "ejected_until",
        "server_ejected_at");

    /** {@code now} minus {@code before}, field by field (counts only; states as in {@code now}). */
    static JsonObject counterGrowth(JsonObject now, JsonObject before) {
        JsonObject out = new JsonObject();
        for (Map.Entry<String, com.google.gson.JsonElement> e : now.entrySet()) {
            String k = e.getKey();
            com.google.gson.JsonElement v = e.getValue();
            com.google.gson.JsonElement b = before == null ? null : before.get(k);
            if (v.isJsonObject()) {
                out.add(k, counterGrowth(v.getAsJsonObject(), b != null && b.isJsonObject() ? b.getAsJsonObject() : null));
            } else if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber() && !NOT_COUNTS.contains(k)
                && b != null && b.isJsonPrimitive()) {
                out.addProperty(k, v.getAsLong() - b.getAsLong());
            } else {
                out.add(k, v);
            }
        }
        return out;
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
    public JsonObject counters() {
        return CounterCarry.export(engine);
    }

    @Override
    public void stopAccepting(Set<String> handed) {
        handedOver = true;
        // Parked, not closed: taken back if the successor dies before the drain ends. Those it
        // did not take (a deleted pool's) close now, so that they refuse connections at once.
        engine.parkListeners(handed);
        if (handed.contains(StatsServer.key(opts.statsAddr(), opts.statsPort()))) {
            stats.park();
        } else {
            stats.stop();
        }
        if (handed.contains(AdminServer.key(opts.adminSocket()))) {
            admin.park();
        } else {
            admin.stop(false);
        }
        // A stats connection accepted just before is answered on its loop; let that happen before
        // the counters go to the successor, so no reader sees more here than the successor shows.
        engine.awaitLoops();
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
            if (handedOver) {
                // Draining into a successor: those waiting for their turn to move go now.
                engine.hurryClients();
            } else {
                engine.handOffClients(null);
            }
            waitForClients(opts.drainTimeoutMillis());
            System.exit(0);
        }, "twd-stop");
        t.start();
    }

    void reloadFromSignal(AdminRequest request) {
        submitChange(request).result().thenAccept(r -> {
            if (r.ok()) {
                Log.notice("%s: %s", request.toLine(), r.text());
            } else {
                Log.error("%s failed: %s", request.toLine(), r.text());
            }
        });
    }

    private void onExit() {
        Handover h = handover;
        if (h != null) {
            // Stopped (SIGTERM) while still draining: the drain thread never got to close it.
            h.removeSocketFile();
        }
        stats.stop();
        admin.stop(handedOver);
        engine.stop(handedOver);
        if (!handedOver) {
            // After a handoff the file is the successor's, whatever it says at this moment.
            deletePidFile();
        }
    }

    private void writePidFile() throws IOException {
        writePidFile(ProcessHandle.current().pid());
    }

    /** Atomically (the temp name is per writer: old and new process may write at once). */
    private void writePidFile(long pid) throws IOException {
        Path path = Path.of(opts.pidFile());
        Path tmp = path.resolveSibling(path.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(tmp, pid + "\n", StandardCharsets.US_ASCII);
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
