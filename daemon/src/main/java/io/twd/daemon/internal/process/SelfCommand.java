package io.twd.daemon.internal.process;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts this same daemon again: the same java binary, JVM options and
 * class path. A JVM cannot fork, so daemonizing (and later, re-exec for reload and upgrade)
 * starts a fresh process with this command instead.
 */
public final class SelfCommand {
    private SelfCommand() {
    }

    public static List<String> command(String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
            .orElse(System.getProperty("java.home") + "/bin/java"));
        for (String opt : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // Debug agents would clash on their port in the second JVM, and two JVMs writing one
            // class list (bench/make-classlist sets it on the first process) would garble it.
            if (!opt.startsWith("-agentlib:jdwp") && !opt.startsWith("-Xrunjdwp")
                    && !opt.startsWith("-XX:DumpLoadedClassList")) {
                cmd.add(opt);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }
}
