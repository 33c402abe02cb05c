package io.twd.daemon;

import java.util.Locale;
import picocli.CommandLine;

/** A size in bytes: digits with an optional {@code k}, {@code m} or {@code g} suffix (powers of 1024). */
final class Sizes implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        return parse(value);
    }

    static long parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (v.endsWith("b")) {
            v = v.substring(0, v.length() - 1);
        }
        if (!v.isEmpty()) {
            switch (v.charAt(v.length() - 1)) {
                case 'k' -> unit = 1L << 10;
                case 'm' -> unit = 1L << 20;
                case 'g' -> unit = 1L << 30;
                default -> unit = 1;
            }
        }
        if (unit != 1) {
            v = v.substring(0, v.length() - 1);
        }
        if (v.isEmpty() || v.length() > 12 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size (digits, then k, m or g)");
        }
        return Long.parseLong(v) * unit;
    }
}
