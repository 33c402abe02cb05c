package io.twd.protocol.config;

import java.nio.charset.StandardCharsets;

/** Small value rules shared by the parsers of pool keys, listen addresses and server lines. */
final class ConfigValues {
    /** sun_path holds 108 bytes including the terminating NUL; nutcracker refuses longer paths. */
    static final int MAX_UNIX_PATH_BYTES = 107;

    private ConfigValues() {
    }

    /**
     * A non-negative decimal number made of ASCII digits only, as nutcracker's {@code nc_atoi}
     * reads it: no sign, no blanks, no unit suffix. Leading zeros are fine.
     *
     * @return the value; -1 if the text is not such a number; {@code Integer.MAX_VALUE + 1L} if it
     *     is larger than an int (nutcracker silently wraps those around; twd refuses them)
     */
    static long digits(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = Math.min(value * 10 + (c - '0'), Integer.MAX_VALUE + 1L);
        }
        return value;
    }

    static boolean isPort(long n) {
        return n >= 1 && n <= 65535;
    }

    static boolean hasWhitespace(String text) {
        return text.chars().anyMatch(Character::isWhitespace);
    }

    /** C0 controls (line breaks, tabs, NUL...), DEL and C1 controls. */
    static boolean hasControl(String text) {
        return text.chars().anyMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f));
    }

    static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
