package io.twd.tests.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * The plumbing under {@link Resp} and {@link Memc}: a blocking TCP connection (no Nagle), its
 * input buffered, reads waiting at most {@link #READ_TIMEOUT}, and a check whether the peer has
 * closed. I/O problems surface as {@link UncheckedIOException}. Not thread-safe.
 */
public abstract class SocketClient implements AutoCloseable {
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private final Socket socket;
    /** What the peer sends, buffered (so {@link #isClosedByPeer} can peek). */
    protected final InputStream in;
    private final OutputStream out;

    /** Connects to {@code host:port}, waiting at most {@link #READ_TIMEOUT}. */
    protected SocketClient(String host, int port) {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), (int) READ_TIMEOUT.toMillis());
            s.setSoTimeout((int) READ_TIMEOUT.toMillis());
            this.in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            this.out = s.getOutputStream();
        } catch (IOException e) {
            closeQuietly(s);
            throw new UncheckedIOException("cannot connect to " + host + ":" + port, e);
        }
        this.socket = s;
    }

    /** Writes bytes as they are and flushes them. */
    protected final void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("write failed", e);
        }
    }

    /** True if the peer has closed the connection: waits up to 1 s for EOF. */
    public boolean isClosedByPeer() {
        return isClosedByPeer(Duration.ofSeconds(1));
    }

    /**
     * Waits up to {@code wait} for the peer to close. True on EOF or a reset; false if data
     * arrives (it stays unread) or nothing happens within {@code wait}.
     */
    public boolean isClosedByPeer(Duration wait) {
        try {
            socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
            in.mark(1);
            int c = in.read();
            if (c < 0) return true;
            in.reset();
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // connection reset
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            } catch (SocketException ignored) {
                // closed
            }
        }
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
