package io.twd.protocol.config;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The order in which nutcracker sorts pool and server names ({@code string_compare}): the shorter
 * name first, and names of equal length bytewise (unsigned bytes of UTF-8). So {@code beta} sorts
 * before {@code alpha}. It matters beyond cosmetics: the server order fixes the server indexes,
 * hence {@code modula} placement, and both orders fix the layout of the stats JSON.
 */
public final class NameOrder implements Comparator<String> {
    public static final NameOrder INSTANCE = new NameOrder();

    private NameOrder() {
    }

    @Override
    public int compare(String a, String b) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        if (x.length != y.length) {
            return Integer.compare(x.length, y.length);
        }
        return Arrays.compareUnsigned(x, y);
    }
}
