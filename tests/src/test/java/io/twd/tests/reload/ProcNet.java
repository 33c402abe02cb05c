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
        Map<Integer, String> conns = establishedByRemotePort(serverPort);
        Set<String> mine = socketInodes(pid);
        return clientPorts.stream().filter(p -> !mine.contains(conns.get(p))).toList();
    }
}
