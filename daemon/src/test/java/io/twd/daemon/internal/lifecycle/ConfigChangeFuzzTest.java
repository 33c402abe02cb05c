package io.twd.daemon.internal.lifecycle;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.twd.daemon.internal.FuzzSeeds;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of admin pool changes written to the config file, with Jazzer:
 * {@code mvn -Pfuzz ...}, see docs/testing.md. ParsersPropertyTest replays its inputs.
 */
public class ConfigChangeFuzzTest {
    static Stream<byte[]> seeds() {
        return FuzzSeeds.adminPoolChanges().stream();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void fuzz(byte[] data) {
        ConfigChangeFuzzTargets.change(data);
    }
}
