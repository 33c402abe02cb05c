package io.twd.tests.reload;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Linux /proc: which process holds the server side of a TCP connection, and how many file
 * descriptors a process has. Lets a test prove that a client's connection (same socket, same local
 * port) is now held by the new process, not merely answered by someone.
 */
final class ProcNet {
    private ProcNet() {
    }

    /** Socket inodes of the ESTABLISHED connections from local port {@code serverPort}, by remote port. */
    static Map<Integer, String> establishedByRemotePort(int serverPort) {
        Map<Integer, String> out = new HashMap<>();
        String local = String.format(Locale.ROOT, ":%04X", serverPort);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).trim().split("\\s+");
                // sl local_address rem_address st ... inode
                if (f.length > 9 && f[1].endsWith(local) && f[3].equals("01")) {
                    int remote = Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16);
                    out.put(remote, f[9]);
                }
            }
        }
        return out;
    }

    /** Socket inodes among {@code pid}'s open file descriptors. */
    static Set<String> socketInodes(long pid) {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) inodes.add(target.substring(8, target.length() - 1));
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            // gone
        }
        return inodes;
    }

    /** For a failure message: where each of {@code clientPorts}' connections to {@code serverPort} is now. */
    static String whereAre(int serverPort, List<Integer> clientPorts) {
        Map<Integer, String> conns = establishedByRemotePort(serverPort);
        Map<String, Long> holders = new HashMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                long pid = Long.parseLong(p.getFileName().toString());
                socketInodes(pid).forEach(i -> holders.putIfAbsent(i, pid));
            }
        } catch (IOException e) {
            // best effort
        }
        StringBuilder sb = new StringBuilder();
        for (int port : clientPorts) {
            String inode = conns.get(port);
            sb.append(port).append(inode == null ? ": no established connection"
                    : ": socket " + inode + " held by " + (holders.containsKey(inode) ? "pid " + holders.get(inode) : "no process"))
                .append("; ");
        }
        return sb.toString();
    }

    /** How many file descriptors {@code pid} has open now; -1 if it is gone. */
    static int fdCount(long pid) {
        int n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path ignored : fds) n++;
        } catch (IOException e) {
            return -1;
        }
        return n;
    }

    /**
     * Of the client local ports given, those whose connection to {@code serverPort} is not held by
     * {@code pid} (no such established connection, or its socket is in another process).
     */
    static List<Integer> notHeldBy(long pid, int serverPort, List<Integer> clientPorts) {
        Set<String> mine = socketInodes(pid);
        Map<Integer, String> conns = establishedByRemotePort(serverPort);
        // The kernel writes /proc/net/tcp a page at a time, resuming by position: connections
        // opened or closed meanwhile (the tests' churn clients) can make a read skip a line. A
        // connection missing from one read is looked for in a few more before it counts as gone.
        for (int read = 1; read < 4 && clientPorts.stream().anyMatch(p -> !conns.containsKey(p)); read++) {
            establishedByRemotePort(serverPort).forEach(conns::putIfAbsent);
        }
        return clientPorts.stream().filter(p -> !mine.contains(conns.get(p))).toList();
    }
}
