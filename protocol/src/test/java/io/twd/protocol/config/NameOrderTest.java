package io.twd.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NameOrderTest {
    private static List<String> sorted(String... names) {
        List<String> list = new ArrayList<>(List.of(names));
        list.sort(NameOrder.INSTANCE);
        return list;
    }

    @Test
    void shorterNamesComeFirst() {
        // The order nutcracker 0.5.0 printed the stats of these pools in.
        assertEquals(List.of("beta", "alpha", "delta", "gamma"), sorted("alpha", "beta", "delta", "gamma"));
        assertEquals(List.of("z", "aa", "aaa"), sorted("aaa", "aa", "z"));
    }

    @Test
    void equalLengthsCompareBytewise() {
        assertEquals(List.of("B", "a"), sorted("a", "B"));
        assertEquals(List.of("server10", "server11", "server20"), sorted("server20", "server10", "server11"));
        assertEquals(List.of("127.0.0.1:6380", "127.0.0.1:6381"), sorted("127.0.0.1:6381", "127.0.0.1:6380"));
    }

    @Test
    void lengthAndBytesAreThoseOfUtf8Unsigned() {
        // "é" is two bytes (C3 A9), so it is as long as "zz" and sorts after it (0xC3 > 'z').
        assertEquals(List.of("a", "zz", "é"), sorted("é", "zz", "a"));
        assertTrue(NameOrder.INSTANCE.compare("ä", "zz") > 0);
    }

    @Test
    void equalNamesCompareEqual() {
        assertEquals(0, NameOrder.INSTANCE.compare("alpha", "alpha"));
    }
}
