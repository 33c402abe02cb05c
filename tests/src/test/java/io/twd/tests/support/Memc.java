package io.twd.tests.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny blocking memcached ASCII-protocol client for tests. Not thread-safe. I/O problems
 * surface as {@link UncheckedIOException}; a read waits at most 5 s.
 */
public final class Memc extends SocketClient {
    /** One {@code VALUE} block of a get/gets reply; {@code cas} is null for plain get. */
    public record Item(String key, int flags, byte[] data, Long cas) {
        public String value() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private Memc(String host, int port) {
        super(host, port);
    }

    public static Memc connect(int port) {
        return connect("127.0.0.1", port);
    }

    public static Memc connect(String host, int port) {
        return new Memc(host, port);
    }

    // ------------------------------------------------------------------ raw access

    /** Writes one command line; {@code \r\n} is added unless the line already ends with it. */
    public Memc send(String line) {
        return sendRaw((line.endsWith("\r\n") ? line : line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    public Memc sendRaw(byte[] bytes) {
        write(bytes);
        return this;
    }

    /** One reply line without its {@code \r\n}, or null if the peer closed the connection. */
    public String readLine() {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int prev = -1;
            while (true) {
                int c = in.read();
                if (c < 0) {
                    if (b.size() == 0) return null;
                    throw new EOFException("connection closed in the middle of a line: " + b);
                }
                if (c == '\n' && prev == '\r') {
                    byte[] line = b.toByteArray();
                    return new String(line, 0, line.length - 1, StandardCharsets.UTF_8);
                }
                b.write(c);
                prev = c;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Exactly {@code n} bytes (e.g. a data block; its trailing CRLF is not consumed). */
    public byte[] readBytes(int n) {
        try {
            byte[] data = in.readNBytes(n);
            if (data.length < n) throw new EOFException("connection closed by peer");
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** send + readLine. */
    public String call(String line) {
        send(line);
        return readLine();
    }

    // ------------------------------------------------------------------ commands

    /** {@code get k1 k2 ...}: found keys to values (UTF-8), in reply order. */
    public Map<String, String> get(String... keys) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Item item : items("get", keys)) out.put(item.key(), item.value());
        return out;
    }

    /**
     * {@code <command> k1 k2 ...} ({@code get} or {@code gets}) with the whole reply. A reply
     * other than VALUE blocks and END (e.g. {@code SERVER_ERROR ...}) throws, with the line.
     */
    public List<Item> items(String command, String... keys) {
        send(command + " " + String.join(" ", keys));
        List<Item> items = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line == null) throw new UncheckedIOException(new EOFException("connection closed by peer during " + command));
            if (line.equals("END")) return items;
            String[] f = line.split(" ");
            if (!f[0].equals("VALUE") || f.length < 4) {
                throw new IllegalStateException("unexpected reply to " + command + ": " + line);
            }
            byte[] data = readBytes(Integer.parseInt(f[3]));
            String crlf = readLine();
            if (crlf == null || !crlf.isEmpty()) throw new IllegalStateException("data block not followed by CRLF");
            items.add(new Item(f[1], Integer.parseInt(f[2]), data, f.length > 4 ? Long.valueOf(f[4]) : null));
        }
    }

    /** {@code set key flags exptime len}, then the data; returns the reply line ({@code STORED}). */
    public String set(String key, int flags, long exptime, byte[] data) {
        return store("set", key, flags, exptime, data);
    }

    public String set(String key, String value) {
        return set(key, 0, 0, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Any storage command: set, add, replace, append, prepend. */
    public String store(String command, String key, int flags, long exptime, byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((command + " " + key + " " + flags + " " + exptime + " " + data.length + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        b.writeBytes(data);
        b.writeBytes(new byte[] {'\r', '\n'});
        sendRaw(b.toByteArray());
        return readLine();
    }

    /** {@code delete key}: {@code DELETED} or {@code NOT_FOUND}. */
    public String delete(String key) {
        return call("delete " + key);
    }
}
