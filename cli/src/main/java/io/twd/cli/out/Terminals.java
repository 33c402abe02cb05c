package io.twd.cli.out;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether standard output is a terminal, which picks the default output format. */
public final class Terminals {
    private Terminals() {}

    /**
     * True when fd 1 is a tty. On Linux {@code /proc/self/fd/1} names the device, which tells stdout
     * apart from stdin; {@code System.console()} in Java 17 needs both to be terminals, so it is only
     * the fallback.
     */
    public static boolean stdoutIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (Exception e) {
            return System.console() != null;
        }
    }
}
