package io.twd.daemon.internal.redis;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.twd.daemon.internal.FuzzSeeds;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of the RESP reply decoder with Jazzer: {@code mvn -Pfuzz ...}, see
 * docs/testing.md. Without JAZZER_FUZZ it is not run; ParsersPropertyTest replays its inputs.
 */
public class RedisReplyFuzzTest {
    static Stream<byte[]> seeds() {
        return FuzzSeeds.redisReplies().stream();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void fuzz(byte[] data) {
        RedisFuzzTargets.replies(data);
    }
}
