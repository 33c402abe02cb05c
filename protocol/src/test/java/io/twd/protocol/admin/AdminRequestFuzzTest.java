package io.twd.protocol.admin;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.twd.protocol.fuzz.ProtocolFuzzSeeds;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of the admin line parser with Jazzer: {@code mvn -Pfuzz ...}, see
 * docs/testing.md. Without JAZZER_FUZZ it is not run; ProtocolPropertyTest replays its inputs.
 */
public class AdminRequestFuzzTest {
    static Stream<byte[]> seeds() {
        return ProtocolFuzzSeeds.adminLines().stream();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void fuzz(byte[] data) {
        AdminFuzzTargets.requestLine(data);
    }
}
