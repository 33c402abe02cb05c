package io.twd.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Looks a group up in {@code /etc/group} (as getgrnam does for local groups). */
final class Groups {
    static final Path GROUP_FILE = Path.of("/etc/group");

    private Groups() {
    }

    /** The gid of {@code group}, a name from /etc/group or a number. */
    static int gid(String group) {
        if (!group.isEmpty() && group.chars().allMatch(c -> c >= '0' && c <= '9') && group.length() < 10) {
            return Integer.parseInt(group);
        }
        try {
            for (String line : Files.readAllLines(GROUP_FILE, StandardCharsets.UTF_8)) {
                String[] f = line.split(":", -1);
                if (f.length >= 3 && f[0].equals(group)) {
                    return Integer.parseInt(f[2]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalArgumentException("cannot read " + GROUP_FILE + ": " + e.getMessage());
        }
        throw new IllegalArgumentException("no group named '" + group + "' in " + GROUP_FILE);
    }
}
