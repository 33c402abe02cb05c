package io.twd.protocol.config;

import java.util.Locale;
import java.util.Optional;

/** How keys are placed on a pool's servers; names as in nutcracker.yml. */
public enum Distribution {
    KETAMA, MODULA, RANDOM;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Exact, case-sensitive lookup, as twemproxy does it. */
    public static Optional<Distribution> byConfigName(String name) {
        for (Distribution d : values()) {
            if (d.configName().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
