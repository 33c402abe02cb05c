package io.twd.daemon.internal.memcache;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.twd.daemon.internal.FuzzSeeds;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of the memcached request decoder with Jazzer: {@code mvn -Pfuzz ...}, see
 * docs/testing.md. Without JAZZER_FUZZ it is not run; ParsersPropertyTest replays its inputs.
 */
public class MemcacheRequestFuzzTest {
    static Stream<byte[]> seeds() {
        return FuzzSeeds.memcacheRequests().stream();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void fuzz(byte[] data) {
        MemcacheFuzzTargets.requests(data);
    }
}
