package io.twd.protocol.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.protocol.admin.AdminFuzzTargets;
import io.twd.protocol.admin.AdminRequestFuzzTest;
import io.twd.protocol.config.ConfigFuzzTargets;
import io.twd.protocol.config.ConfigLoaderFuzzTest;
import org.junit.jupiter.api.Test;

/**
 * The admin line parser and the YAML config loader under generated input, in CI; see the targets
 * for what is checked, and docs/testing.md for the coverage-guided (Jazzer) runs.
 */
class ProtocolPropertyTest {
    private static void assertRan(String name, int runs) {
        System.out.println(name + ": " + runs + " inputs in " + FuzzRunner.seconds() + " s");
        assertTrue(runs > 50, name + ": only " + runs + " inputs");
    }

    @Test
    void adminRequestLines() {
        assertRan("admin lines", FuzzRunner.run("admin lines", AdminRequestFuzzTest.class,
            ProtocolFuzzSeeds.adminLines(), AdminFuzzTargets::requestLine));
    }

    @Test
    void configFiles() {
        assertRan("config files", FuzzRunner.run("config files", ConfigLoaderFuzzTest.class,
            ProtocolFuzzSeeds.configFiles(), ConfigFuzzTargets::yaml));
    }
}
