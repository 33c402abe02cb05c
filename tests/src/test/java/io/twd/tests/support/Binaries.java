package io.twd.tests.support;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Finds the real server programs the end-to-end tests start. */
public final class Binaries {
    private static final List<String> EXTRA_DIRS = List.of("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/local/bin", "/usr/bin");

    private Binaries() {}

    /** The absolute path of {@code program} on PATH (or in an sbin directory), if any. */
    public static Optional<Path> find(String program) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) if (!d.isEmpty()) dirs.add(d);
        }
        dirs.addAll(EXTRA_DIRS);
        for (String d : dirs) {
            Path p = Path.of(d, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p.toAbsolutePath());
        }
        return Optional.empty();
    }

    /** Like {@link #find} but fails, telling how to install it, when the program is missing. */
    public static String require(String program) {
        return find(program).map(Path::toString).orElseThrow(() -> new IllegalStateException(
                program + " is not installed (not on PATH nor in /usr/sbin). The end-to-end tests need "
                        + "redis-server, memcached and nutcracker: run bin/run-tests, which installs them "
                        + "(apt-get install redis-server memcached nutcracker)."));
    }
}
