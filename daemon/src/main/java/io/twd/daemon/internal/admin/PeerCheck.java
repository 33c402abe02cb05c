package io.twd.daemon.internal.admin;

import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who may talk to the admin socket: root, the daemon's own user and, with {@code --admin-group},
 * members of that group. The socket's mode already keeps others out; this is checked on every
 * connection as well, from the peer's credentials (SO_PEERCRED), so a socket file made too open by
 * mistake (or a descriptor passed to another process) is not enough.
 */
final class PeerCheck {
    static final int OWN_UID = ownUid();

    private PeerCheck() {
    }

    /** Null if the peer may connect, else why not (for the log and the ERR reply). */
    static String refusal(PeerCredentials peer, int groupGid) {
        int uid = peer.uid();
        if (uid == 0 || uid == OWN_UID) {
            return null;
        }
        if (groupGid >= 0 && inGroup(peer, groupGid)) {
            return null;
        }
        return "uid " + uid + " may not use this socket (root, uid " + OWN_UID
            + (groupGid >= 0 ? " or group " + groupGid : "") + " only)";
    }

    /**
     * SO_PEERCRED carries the peer's primary gid only; its supplementary groups are read from
     * /proc/PID/status, trusted only if that process still has the uid the kernel reported (so a
     * pid reused since the connect does not count).
     */
    static boolean inGroup(PeerCredentials peer, int gid) {
        for (int g : peer.gids()) {
            if (g == gid) {
                return true;
            }
        }
        if (peer.pid() <= 0) {
            return false;
        }
        try {
            boolean sameUser = false;
            boolean member = false;
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(peer.pid()), "status"),
                    StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).trim().split("\\s+");
                    sameUser = ids.length > 1 && ids[1].equals(Integer.toString(peer.uid()));
                } else if (line.startsWith("Groups:")) {
                    for (String g : line.substring(7).trim().split("\\s+")) {
                        member |= g.equals(Integer.toString(gid));
                    }
                }
            }
            return sameUser && member;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static int ownUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return 0;
        }
    }
}
