package io.twd.cli.client;

import io.twd.cli.Exit;
import io.twd.cli.TwctlException;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminResponse;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * One connection to the daemon's admin socket, for the requests of one twctl command.
 *
 * <p>Every failure becomes a {@link TwctlException} with the exit code a script expects: 3 when the
 * daemon cannot be reached or goes away before answering, 4 when the answer does not come in time.
 * The sending side is never shut down early: the daemon treats a half-closed connection as gone.
 *
 * <p>A change is answered by the process that received it, which then hands over to a new process
 * and exits; so a client should not send anything after a change on the same connection.
 */
public final class AdminClient implements AutoCloseable {
    private final Path socketPath;
    private final long deadlineNanos;
    private final Duration wait;
    private final AFUNIXSocket socket;
    private final BufferedReader in;
    private final OutputStream out;

    private AdminClient(Path socketPath, Duration wait, AFUNIXSocket socket) throws IOException {
        this.socketPath = socketPath;
        this.wait = wait;
        this.deadlineNanos = System.nanoTime() + wait.toNanos();
        this.socket = socket;
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        this.out = socket.getOutputStream();
    }

    /** Connects, spending at most {@code wait} on the connection and the answers together. */
    public static AdminClient connect(Path socketPath, Duration wait) {
        if (!Files.exists(socketPath)) {
            throw new TwctlException(Exit.UNREACHABLE, "cannot reach twd: " + socketPath
                    + " does not exist (is twd running? pick its socket with -s or $TWCTL_SOCKET)");
        }
        AFUNIXSocket socket = null;
        try {
            socket = AFUNIXSocket.newInstance();
            socket.connect(AFUNIXSocketAddress.of(socketPath), (int) Math.max(1, Math.min(wait.toMillis(), Integer.MAX_VALUE)));
            return new AdminClient(socketPath, wait, socket);
        } catch (SocketTimeoutException e) {
            closeQuietly(socket);
            throw new TwctlException(Exit.TIMEOUT, "timed out connecting to " + socketPath);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new TwctlException(Exit.UNREACHABLE, "cannot reach twd at " + socketPath + ": "
                    + connectProblem(e), List.of(), e);
        }
    }

    /** Sends one request and reads its answer, OK or ERR. */
    public AdminResponse send(AdminRequest request) {
        String line = request.toLine();
        try {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw timedOut(request);
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(left / 1_000_000, Integer.MAX_VALUE)));
            AdminResponse response = AdminResponse.read(in);
            if (response == null) {
                throw wentAway(request, null);
            }
            return response;
        } catch (SocketTimeoutException e) {
            throw timedOut(request);
        } catch (EOFException e) {
            throw wentAway(request, e);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("malformed admin response")) {
                throw new TwctlException(Exit.UNREACHABLE, socketPath + " does not speak twd's admin protocol: "
                        + e.getMessage());
            }
            throw wentAway(request, e); // a reset or a broken pipe: the daemon died or dropped us
        }
    }

    private TwctlException timedOut(AdminRequest request) {
        String hint = request.changesConfig()
                ? "; the daemon may still apply the change: check with 'twctl status'" : "";
        return new TwctlException(Exit.TIMEOUT, "no answer to '" + shortName(request) + "' within " + wait.toSeconds()
                + " s (--wait)" + hint);
    }

    private TwctlException wentAway(AdminRequest request, IOException cause) {
        String hint = request.changesConfig()
                ? "; whether the change was applied is unknown: check with 'twctl status'" : "";
        return new TwctlException(Exit.UNREACHABLE, "twd closed the connection before answering '" + shortName(request)
                + "' (did it stop or crash?)" + hint, List.of(), cause);
    }

    /** The command and pool name, without the values: a redis_auth password stays off the screen. */
    static String shortName(AdminRequest request) {
        String[] words = request.toLine().split(" ", 4);
        return words[0].equals("pool") && words.length > 3 ? String.join(" ", words[0], words[1], words[2])
                : request.toLine();
    }

    private static String connectProblem(IOException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (why.contains("Connection refused")) {
            return "nothing listens there (a socket file left by a stopped twd?)";
        }
        if (why.contains("Permission denied")) {
            return "permission denied (run twctl as the daemon's user or root)";
        }
        return why;
    }

    private static void closeQuietly(AFUNIXSocket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing was exchanged; nothing to report
            }
        }
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }
}
