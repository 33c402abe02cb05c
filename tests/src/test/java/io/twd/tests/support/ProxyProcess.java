package io.twd.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@link Nutcracker} and {@link TwdProcess} have in common, so one test can run the same
 * scenario against both: a config file, a stats port on 127.0.0.1, and one listener per pool.
 */
public abstract class ProxyProcess implements AutoCloseable {
    private final ManagedProcess process;
    private final Path configFile;
    private final int statsPort;
    private final Map<String, String> listens;

    protected ProxyProcess(ManagedProcess process, Path configFile, int statsPort, Map<String, String> listens) {
        this.process = process;
        this.configFile = configFile;
        this.statsPort = statsPort;
        this.listens = Map.copyOf(listens);
    }

    /** Writes {@code yaml} to {@code tests/target/e2e-logs/<name>-<statsPort>.yml} (kept for debugging). */
    protected static Path writeConfig(String name, int statsPort, String yaml) {
        Path file = ManagedProcess.logDir().resolve(name + "-" + statsPort + ".yml");
        try {
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Adds a readiness wait for every pool's {@code listen:} (TCP port or unix socket path). */
    protected static ManagedProcess.Builder awaitListens(ManagedProcess.Builder b, Map<String, String> listens) {
        for (String listen : listens.values()) {
            if (listen.startsWith("/")) b.waitForUnixSocket(Path.of(listen));
            else b.waitForPort(portOf(listen));
        }
        return b;
    }

    /**
     * Pool name to {@code listen:} value (a unix socket's permission suffix dropped), in file
     * order. A line-based reading of nutcracker's YAML subset: top-level keys are pools, and
     * an indented {@code listen:} belongs to the pool above it.
     */
    public static Map<String, String> listensOf(String yaml) {
        Pattern pool = Pattern.compile("^([^\\s#-][^:#]*?)\\s*:\\s*(#.*)?$");
        Pattern listen = Pattern.compile("^\\s+listen\\s*:\\s*(.+?)\\s*(\\s#.*)?$");
        Map<String, String> out = new LinkedHashMap<>();
        String current = null;
        for (String line : yaml.split("\r?\n")) {
            Matcher m = pool.matcher(line);
            if (m.matches()) {
                current = unquote(m.group(1).trim());
                continue;
            }
            m = listen.matcher(line);
            if (m.matches() && current != null) {
                String value = unquote(m.group(1).trim());
                if (value.startsWith("/")) value = value.split("\\s+")[0];
                out.put(current, value);
            }
        }
        return out;
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    static int portOf(String listen) {
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1).trim());
    }

    // ------------------------------------------------------------------ accessors

    public ManagedProcess process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    public Path configFile() {
        return configFile;
    }

    public int statsPort() {
        return statsPort;
    }

    /** Pool name to its {@code listen:} value, in config-file order. */
    public Map<String, String> listens() {
        return listens;
    }

    /** The TCP port of pool {@code pool}. */
    public int port(String pool) {
        String listen = listens.get(pool);
        if (listen == null) throw new IllegalArgumentException("no pool '" + pool + "' in " + configFile);
        if (listen.startsWith("/")) throw new IllegalArgumentException("pool '" + pool + "' listens on " + listen);
        return portOf(listen);
    }

    /** The TCP port of the first pool in the file. */
    public int port() {
        return port(new ArrayList<>(listens.keySet()).get(0));
    }

    /** A RESP client connected to pool {@code pool}. */
    public Resp redis(String pool) {
        return Resp.connect("127.0.0.1", port(pool));
    }

    /** A memcache client connected to pool {@code pool}. */
    public Memc memcache(String pool) {
        return Memc.connect("127.0.0.1", port(pool));
    }

    /** One read of the stats port. */
    public StatsClient.Stats stats() {
        return StatsClient.fetch("127.0.0.1", statsPort);
    }

    /** Replaces the config file's content (for reload tests); the process is not signalled. */
    public void rewriteConfig(String yaml) {
        try {
            Files.writeString(configFile, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logTail() {
        return process.logTail();
    }

    public int stop() {
        return process.stop();
    }

    public int kill() {
        return process.kill();
    }

    @Override
    public void close() {
        process.stop();
    }

    @Override
    public String toString() {
        return process.name() + " (pid " + pid() + ", stats " + statsPort + ", " + listens + ")";
    }
}
