package io.twd.tests.support;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out TCP ports on 127.0.0.1 that are free right now, never the same one twice in a JVM.
 *
 * <p>Ports come from below the kernel's ephemeral range (20000 up to
 * {@code net.ipv4.ip_local_port_range}'s low end, 32768 by default), starting at a random
 * point and checked by binding them. Ephemeral ports are what the kernel gives to outgoing
 * connections and to bind(port 0): the proxies under test open many backend connections, and
 * such a connection could otherwise grab a port we had handed out but not yet bound. If the
 * ephemeral range leaves no room below it, this falls back to binding port 0.
 *
 * <p>Ports the quickstart uses (22121-22123, 22222) are never handed out.
 */
public final class FreePorts {
    private static final int LOW = 20000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final Set<Integer> RESERVED = Set.of(22121, 22122, 22123, 22222);
    private static final int HIGH = ephemeralLow();

    private FreePorts() {}

    /** One free port. */
    public static int allocate() {
        if (HIGH - LOW >= 1000) {
            int span = HIGH - LOW;
            int start = ThreadLocalRandom.current().nextInt(span);
            for (int i = 0; i < span; i++) {
                int port = LOW + (start + i) % span;
                if (RESERVED.contains(port) || HANDED_OUT.contains(port)) continue;
                if (bindable(port) && HANDED_OUT.add(port)) return port;
            }
        }
        for (int i = 0; i < 1000; i++) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                int port = s.getLocalPort();
                if (!RESERVED.contains(port) && HANDED_OUT.add(port)) return port;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind a port on 127.0.0.1", e);
            }
        }
        throw new IllegalStateException("no free port found on 127.0.0.1");
    }

    /** {@code count} distinct free ports. */
    public static int[] allocate(int count) {
        int[] ports = new int[count];
        for (int i = 0; i < count; i++) ports[i] = allocate();
        return ports;
    }

    private static boolean bindable(int port) {
        // SO_REUSEADDR as the servers under test set it: a port with only TIME_WAIT
        // leftovers is usable, one with a listener (on 127.0.0.1 or a wildcard) is not.
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The low end of the kernel's ephemeral port range (32768 if unknown). */
    public static int ephemeralLow() {
        // Not Files.readString: on some kernels it trusts the size procfs reports and reads 1 byte.
        try (FileInputStream in = new FileInputStream("/proc/sys/net/ipv4/ip_local_port_range")) {
            String[] range = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
            return Math.min(Integer.parseInt(range[0]), 65536);
        } catch (IOException | RuntimeException e) {
            return 32768; // the Linux default; elsewhere the bind check still applies
        }
    }
}
