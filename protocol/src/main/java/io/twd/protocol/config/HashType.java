package io.twd.protocol.config;

import java.util.Locale;
import java.util.Optional;

/** The twelve key hash functions twemproxy 0.5.0 offers, by their config names. */
public enum HashType {
    ONE_AT_A_TIME, MD5, CRC16, CRC32, CRC32A, FNV1_64, FNV1A_64, FNV1_32, FNV1A_32, HSIEH, MURMUR, JENKINS;

    /** The spelling used in nutcracker.yml, e.g. {@code fnv1a_64}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Exact, case-sensitive lookup, as twemproxy does it. */
    public static Optional<HashType> byConfigName(String name) {
        for (HashType t : values()) {
            if (t.configName().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
