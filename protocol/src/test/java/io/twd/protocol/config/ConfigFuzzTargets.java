package io.twd.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

/**
 * Fuzz target for the YAML config loader, run by {@code ProtocolPropertyTest} (in CI) and
 * {@code ConfigLoaderFuzzTest} (Jazzer, {@code -Pfuzz}).
 */
public final class ConfigFuzzTargets {
    private ConfigFuzzTargets() {
    }

    /**
     * {@link ConfigLoader#parse} returns a config or throws {@link ConfigException}, nothing else
     * (no IllegalArgumentException, YAMLException, StackOverflowError...), and a config it returns
     * is written by {@link ConfigWriter} as YAML that loads back equal.
     */
    public static void yaml(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        TwdConfig config;
        try {
            config = ConfigLoader.parse(text, "fuzz");
        } catch (ConfigException e) {
            return;
        }
        String written = ConfigWriter.toYaml(config);
        try {
            assertEquals(config, ConfigLoader.parse(written, "written"), written);
        } catch (ConfigException e) {
            throw new AssertionError("the writer's YAML does not load: " + e.getMessage() + "\n" + written, e);
        }
    }
}
