package io.twd.daemon.internal.process;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code twd -d}: starts the daemon as a detached child (new session via setsid(1)) and returns
 * only once the child says it is serving, or with status 1 and the child's own error if it
 * failed to start. The child announces readiness with one line on its stdout.
 */
public final class Daemonizer {
    /** Set in the child's environment: print {@link #READY} on stdout once serving. */
    public static final String NOTIFY_ENV = "TWD_NOTIFY_READY";
    public static final String READY = "twd-ready";

    private Daemonizer() {
    }

    /** Runs in the parent; returns the exit status for the parent. */
    public static int spawn(String mainClass, List<String> childArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.addAll(SelfCommand.command(mainClass, childArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true);
        pb.environment().put(NOTIFY_ENV, "1");
        Process child = pb.start();
        StringBuilder output = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.equals(READY)) {
                    return 0;
                }
                output.append(line).append('\n');
            }
        }
        int status = child.waitFor();
        System.err.print(output);
        System.err.println("twd: daemon failed to start (exit status " + status + ")");
        return 1;
    }

    /** Runs in the child once it serves: tells the parent, then stops using the pipe. */
    public static void notifyReady() {
        if (System.getenv(NOTIFY_ENV) != null) {
            System.out.println(READY);
            System.out.flush();
        }
    }
}
