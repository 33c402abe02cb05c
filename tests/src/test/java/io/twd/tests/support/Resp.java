package io.twd.tests.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny blocking RESP2 client for tests, over a plain socket. Not thread-safe.
 *
 * <p>{@link #read()} maps replies to: simple string → {@code String}; error → {@link Error};
 * integer → {@code Long}; bulk string → {@code String} (UTF-8), or {@code null} for
 * {@code $-1}; array → {@code List<Object>}, or {@code null} for {@code *-1}.
 * {@link #readBulkBytes()} reads a bulk as bytes, {@link #readRawReply()} the exact bytes of
 * one reply (for byte-for-byte comparisons between nutcracker and twd).
 * I/O problems surface as {@link UncheckedIOException}; a read waits at most 5 s.
 */
public final class Resp extends SocketClient {
    /** An error reply, e.g. {@code -ERR Connection refused} → message {@code "ERR Connection refused"}. */
    public record Error(String message) {
        /** The first word: {@code ERR}, {@code NOAUTH}, {@code WRONGTYPE}, ... */
        public String kind() {
            int sp = message.indexOf(' ');
            return sp < 0 ? message : message.substring(0, sp);
        }

        @Override
        public String toString() {
            return "-" + message;
        }
    }

    private ByteArrayOutputStream recording;

    private Resp(String host, int port) {
        super(host, port);
    }

    public static Resp connect(int port) {
        return connect("127.0.0.1", port);
    }

    public static Resp connect(String host, int port) {
        return new Resp(host, port);
    }

    // ------------------------------------------------------------------ writing

    /** The multibulk encoding of a command. */
    public static byte[] encode(String... args) {
        byte[][] bytes = new byte[args.length][];
        for (int i = 0; i < args.length; i++) bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
        return encode(bytes);
    }

    public static byte[] encode(byte[]... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            b.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(a);
            b.writeBytes(new byte[] {'\r', '\n'});
        }
        return b.toByteArray();
    }

    /** Writes one command as a multibulk (does not read the reply). */
    public Resp send(String... args) {
        return sendRaw(encode(args));
    }

    public Resp send(byte[]... args) {
        return sendRaw(encode(args));
    }

    /** Writes bytes as they are: inline commands, broken framing, partial writes. */
    public Resp sendRaw(byte[] bytes) {
        write(bytes);
        return this;
    }

    public Resp sendRaw(String text) {
        return sendRaw(text.getBytes(StandardCharsets.UTF_8));
    }

    /** send + read. */
    public Object call(String... args) {
        send(args);
        return read();
    }

    /** Sends every command in one write, then reads one reply per command. */
    public List<Object> pipeline(List<String[]> commands) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String[] c : commands) b.writeBytes(encode(c));
        sendRaw(b.toByteArray());
        List<Object> replies = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) replies.add(read());
        return replies;
    }

    // ------------------------------------------------------------------ reading

    /** One reply; see the class comment for the types. Throws on EOF or after the read timeout. */
    public Object read() {
        try {
            return parse(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One reply with bulk strings as {@code byte[]} instead of {@code String} (arrays nest as
     * {@code List<Object>}), for binary keys and values.
     */
    public Object readBinary() {
        try {
            return parse(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One reply that must be a bulk string, as bytes ({@code null} for {@code $-1}). */
    public byte[] readBulkBytes() {
        try {
            Object o = parse(true);
            if (o == null || o instanceof byte[]) return (byte[]) o;
            throw new IllegalStateException("expected a bulk string, got " + describe(o));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The exact bytes of one reply, e.g. {@code "$3\r\nbar\r\n"}. */
    public byte[] readRawReply() {
        recording = new ByteArrayOutputStream();
        try {
            parse(true);
            return recording.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            recording = null;
        }
    }

    /** {@link #readRawReply()} as a string (UTF-8), handy in assertEquals. */
    public String readRawReplyString() {
        return new String(readRawReply(), StandardCharsets.UTF_8);
    }

    private Object parse(boolean binary) throws IOException {
        String line = readLine();
        if (line.isEmpty()) throw new IOException("protocol error: empty reply line");
        char type = line.charAt(0);
        String rest = line.substring(1);
        switch (type) {
            case '+':
                return rest;
            case '-':
                return new Error(rest);
            case ':':
                return Long.parseLong(rest);
            case '$': {
                int len = Integer.parseInt(rest);
                if (len < 0) return null;
                byte[] data = readExactly(len);
                if (readByte() != '\r' || readByte() != '\n') throw new IOException("protocol error: bulk not followed by CRLF");
                return binary ? data : new String(data, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(rest);
                if (n < 0) return null;
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) items.add(parse(binary));
                return items;
            }
            default:
                throw new IOException("protocol error: unexpected reply line '" + line + "'");
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = readByte();
            if (c == '\r') {
                int n = readByte();
                if (n == '\n') return b.toString(StandardCharsets.UTF_8);
                b.write(c);
                b.write(n);
            } else {
                b.write(c);
            }
        }
    }

    private int readByte() throws IOException {
        int c = in.read();
        if (c < 0) throw new EOFException("connection closed by peer");
        if (recording != null) recording.write(c);
        return c;
    }

    private byte[] readExactly(int len) throws IOException {
        byte[] data = in.readNBytes(len);
        if (data.length < len) throw new EOFException("connection closed by peer in the middle of a bulk");
        if (recording != null) recording.writeBytes(data);
        return data;
    }

    private static String describe(Object o) {
        return o instanceof List<?> ? "array " + o : o instanceof Error ? "error " + o : String.valueOf(o);
    }
}
