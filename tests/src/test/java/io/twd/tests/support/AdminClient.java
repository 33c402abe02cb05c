package io.twd.tests.support;

import io.twd.protocol.admin.AdminResponse;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A blocking client of twd's admin socket (docs/admin-protocol.md): one request line, one
 * response ({@code OK}/{@code ERR}, body lines, an empty line). Not thread-safe.
 *
 * <p>A call waits at most {@link #TIMEOUT} (a change starts a JVM, so it is generous); after that
 * the connection is closed and the call throws. {@link #once(Path, String)} uses a fresh
 * connection, which after a change reaches the process serving now.
 */
public final class AdminClient implements AutoCloseable {
    public static final Duration TIMEOUT = Duration.ofSeconds(90);

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "admin-client-watchdog");
        t.setDaemon(true);
        return t;
    });
    private static final Pattern APPLIED = Pattern.compile("(?:^|\\s)generation=(\\d+) pid=(\\d+)(?:\\s|$)");

    /** What an applying command reports: {@code OK generation=N pid=P}. */
    public record Applied(long generation, long pid) {
    }

    private final Path path;
    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    private AdminClient(Path path, SocketChannel channel) {
        this.path = path;
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
    }

    public static AdminClient connect(Path socket) {
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            return new AdminClient(socket, ch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to admin socket " + socket, e);
        }
    }

    /** One request on a new connection, which is then closed. */
    public static AdminResponse once(Path socket, String line) {
        try (AdminClient c = connect(socket)) {
            return c.call(line);
        }
    }

    /** Sends {@code line} and reads its response; throws if the connection ends first. */
    public AdminResponse call(String line) {
        send(line);
        AdminResponse r = read();
        if (r == null) {
            throw new UncheckedIOException(new IOException("admin socket " + path + " closed before answering '" + line + "'"));
        }
        return r;
    }

    /** Sends one request line without reading. */
    public AdminClient send(String line) {
        try {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("admin write failed", e);
        }
    }

    /** Reads one response; null if the daemon closed the connection between responses. */
    public AdminResponse read() {
        ScheduledFuture<?> guard = WATCHDOG.schedule(this::close, TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return AdminResponse.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("admin read failed (waited at most " + TIMEOUT + ")", e);
        } finally {
            guard.cancel(false);
        }
    }

    /** The {@code generation=N pid=P} of an applying command's {@code OK}; throws on {@code ERR}. */
    public static Applied applied(AdminResponse r) {
        if (!r.ok()) {
            throw new AssertionError("change failed: ERR " + r.text() + (r.body().isEmpty() ? "" : "\n" + String.join("\n", r.body())));
        }
        Matcher m = APPLIED.matcher(r.text() == null ? "" : r.text());
        if (!m.find()) {
            throw new AssertionError("no 'generation=N pid=P' in 'OK " + r.text() + "'");
        }
        return new Applied(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }

    /** The JSON body of {@code status}, {@code pool show} or {@code stats}; throws on {@code ERR}. */
    public static com.google.gson.JsonObject json(AdminResponse r) {
        if (!r.ok()) {
            throw new AssertionError("ERR " + r.text());
        }
        return com.google.gson.JsonParser.parseString(String.join("\n", r.body())).getAsJsonObject();
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
