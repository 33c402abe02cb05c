package io.twd.daemon.internal.admin;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.twd.daemon.internal.FuzzSeeds;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of the daemon's admin line framing against AdminLineReader with Jazzer:
 * {@code mvn -Pfuzz ...}, see docs/testing.md. ParsersPropertyTest replays its inputs.
 */
public class AdminFramingFuzzTest {
    static Stream<byte[]> seeds() {
        return FuzzSeeds.adminFraming().stream();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void fuzz(byte[] data) {
        AdminFramingFuzzTargets.framing(data);
    }
}
