package io.twd.protocol.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs a fuzz target on generated inputs for a bounded time: first every input the Jazzer runs
 * found worth keeping ({@code src/test/resources/<package>/<FuzzTest>Inputs}, findings included),
 * then mutations of the seeds. {@code -Dtwd.fuzz.seconds=N} sets the time per target (default 3),
 * {@code -Dtwd.fuzz.seed=S} the seed (default fixed, so a CI failure reproduces).
 */
public final class FuzzRunner {
    private FuzzRunner() {
    }

    public static long seconds() {
        return Long.getLong("twd.fuzz.seconds", 3);
    }

    /** Runs {@code target}; a failure names the input (base64) and how to replay it. */
    public static int run(String name, Class<?> jazzerTest, List<byte[]> seeds, Consumer<byte[]> target) {
        int runs = 0;
        for (byte[] input : corpus(jazzerTest)) {
            check(name, "corpus", input, target);
            runs++;
        }
        for (byte[] seed : seeds) {
            check(name, "seed", seed, target);
            runs++;
        }
        long seed = Long.getLong("twd.fuzz.seed", 20261124L) ^ name.hashCode();
        Random random = new Random(seed);
        Mutator mutator = new Mutator(random, seeds);
        long deadline = System.nanoTime() + seconds() * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            check(name, "generated #" + runs, mutator.next(), target);
            runs++;
        }
        return runs;
    }

    private static void check(String name, String which, byte[] input, Consumer<byte[]> target) {
        try {
            target.accept(input);
        } catch (Throwable t) {
            fail(name + ": " + which + " input fails: " + t + "\ninput (base64): "
                + Base64.getEncoder().encodeToString(input)
                + "\n(save the decoded bytes under the fuzz test's Inputs directory to keep it as a regression)", t);
        }
    }

    /** The files of the Jazzer test's inputs directory, in the test resources. */
    static List<byte[]> corpus(Class<?> jazzerTest) {
        String dir = jazzerTest.getPackageName().replace('.', '/') + "/" + jazzerTest.getSimpleName() + "Inputs";
        Path root = Path.of("src", "test", "resources", dir);
        List<byte[]> inputs = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return inputs;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                inputs.add(Files.readAllBytes(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return inputs;
    }
}
