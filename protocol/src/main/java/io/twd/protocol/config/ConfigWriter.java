package io.twd.protocol.config;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a configuration as a {@code nutcracker.yml} that nutcracker itself would accept and that
 * {@link ConfigLoader#parse} reads back equal: pools in name order, keys in nutcracker's order,
 * {@code listen}, {@code hash}, {@code distribution} and {@code redis} always (an operator looks
 * for them), other keys only when they differ from the default, then the servers.
 *
 * <p>The output is generated from the model, so an operator's comments and key order are lost.
 * Keeping them means editing the original text in place, which is left for a later change.
 */
public final class ConfigWriter {
    private static final List<String> ALWAYS_WRITTEN = List.of("listen", "hash", "distribution", "redis");

    /**
     * Text that reads back as itself when written without quotes: no YAML indicator in front,
     * no {@code ": "} or {@code " #"} inside, no blank at either end, no trailing colon.
     */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./][A-Za-z0-9_./:@+=~-]*( [A-Za-z0-9_./:@+=~-]+)*");

    private ConfigWriter() {
    }

    public static String toYaml(TwdConfig config) {
        StringBuilder out = new StringBuilder();
        for (PoolConfig pool : config.pools()) {
            if (out.length() > 0) {
                out.append('\n');
            }
            out.append(scalar(pool.name())).append(":\n");
            for (Map.Entry<String, String> e : pool.attributes().entrySet()) {
                if (ALWAYS_WRITTEN.contains(e.getKey())
                        || !e.getValue().equals(PoolConfig.DEFAULT_VALUES.get(e.getKey()))) {
                    out.append("  ").append(e.getKey()).append(": ").append(scalar(e.getValue())).append('\n');
                }
            }
            // Three spaces before the dash, as in nutcracker's sample config.
            out.append("  servers:\n");
            for (ServerSpec server : pool.servers()) {
                out.append("   - ").append(scalar(server.text())).append('\n');
            }
        }
        return out.toString();
    }

    private static String scalar(String text) {
        boolean plain = PLAIN.matcher(text).matches() && !text.contains(": ") && !text.endsWith(":");
        return plain ? text : doubleQuoted(text);
    }

    private static String doubleQuoted(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') {
                out.append('\\').appendCodePoint(c);
            } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 || c == 0xfeff) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append('"').toString();
    }
}
