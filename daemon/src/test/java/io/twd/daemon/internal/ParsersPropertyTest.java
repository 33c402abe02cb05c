package io.twd.daemon.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.daemon.internal.admin.AdminFramingFuzzTargets;
import io.twd.daemon.internal.admin.AdminFramingFuzzTest;
import io.twd.daemon.internal.lifecycle.ConfigChangeFuzzTargets;
import io.twd.daemon.internal.lifecycle.ConfigChangeFuzzTest;
import io.twd.daemon.internal.memcache.MemcacheFuzzTargets;
import io.twd.daemon.internal.memcache.MemcacheReplyFuzzTest;
import io.twd.daemon.internal.memcache.MemcacheRequestFuzzTest;
import io.twd.daemon.internal.redis.RedisFuzzTargets;
import io.twd.daemon.internal.redis.RedisReplyFuzzTest;
import io.twd.daemon.internal.redis.RedisRequestFuzzTest;
import io.twd.protocol.fuzz.FuzzRunner;
import org.junit.jupiter.api.Test;

/**
 * The protocol decoders, the admin line framing and admin pool changes under generated input, in
 * CI: mutations of {@link FuzzSeeds} and random bytes; decoders get each input whole, in random
 * chunks, byte by byte and behind a pausing gate (see the targets for what is checked). A few
 * seconds per target; the coverage-guided runs are the Jazzer tests ({@code -Pfuzz}), whose saved
 * inputs (findings) are replayed here first.
 */
class ParsersPropertyTest {
    private static void assertRan(String name, int runs) {
        System.out.println(name + ": " + runs + " inputs in " + FuzzRunner.seconds() + " s");
        assertTrue(runs > 50, name + ": only " + runs + " inputs in " + FuzzRunner.seconds() + " s");
    }

    @Test
    void redisRequests() {
        assertRan("redis requests", FuzzRunner.run("redis requests", RedisRequestFuzzTest.class,
            FuzzSeeds.redisRequests(), RedisFuzzTargets::requests));
    }

    @Test
    void redisReplies() {
        assertRan("redis replies", FuzzRunner.run("redis replies", RedisReplyFuzzTest.class,
            FuzzSeeds.redisReplies(), RedisFuzzTargets::replies));
    }

    @Test
    void memcacheRequests() {
        assertRan("memcache requests", FuzzRunner.run("memcache requests", MemcacheRequestFuzzTest.class,
            FuzzSeeds.memcacheRequests(), MemcacheFuzzTargets::requests));
    }

    @Test
    void memcacheReplies() {
        assertRan("memcache replies", FuzzRunner.run("memcache replies", MemcacheReplyFuzzTest.class,
            FuzzSeeds.memcacheReplies(), MemcacheFuzzTargets::replies));
    }

    @Test
    void adminFramingMatchesTheReference() {
        assertRan("admin framing", FuzzRunner.run("admin framing", AdminFramingFuzzTest.class,
            FuzzSeeds.adminFraming(), AdminFramingFuzzTargets::framing));
    }

    @Test
    void adminPoolChangesAreWrittenAsMeant() {
        assertRan("admin pool changes", FuzzRunner.run("admin pool changes", ConfigChangeFuzzTest.class,
            FuzzSeeds.adminPoolChanges(), ConfigChangeFuzzTargets::change));
    }
}
