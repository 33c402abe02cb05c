package io.twd.protocol.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.twd.protocol.fuzz.ProtocolFuzzSeeds;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of the YAML config loader with Jazzer: {@code mvn -Pfuzz ...}, see
 * docs/testing.md. Without JAZZER_FUZZ it is not run; ProtocolPropertyTest replays its inputs.
 */
public class ConfigLoaderFuzzTest {
    static Stream<byte[]> seeds() {
        return ProtocolFuzzSeeds.configFiles().stream();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void fuzz(byte[] data) {
        ConfigFuzzTargets.yaml(data);
    }
}
