package io.twd.protocol.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Generates parser inputs from valid ones: pipelines of seeds with a few mutations each (bytes
 * flipped, set to protocol characters, numbers blown up, ranges cut, repeated or spliced,
 * protocol tokens inserted), and now and then plain random bytes. Deterministic for a seed.
 */
public final class Mutator {
    private static final byte[] INTERESTING = {0, 1, ' ', '\t', '\r', '\n', '*', '$', '+', '-', ':', '0', '1', '9',
        'q', 'N', '"', '\\', (byte) 0x7f, (byte) 0x80, (byte) 0xc3, (byte) 0xff};
    private static final String[] TOKENS = {"\r\n", "\n", "\r", "*", "$", "-1", "0", "1", "-", "4294967296",
        "99999999999", "2147483647", "18446744073709551616", " ", "  ", "noreply", "VALUE ", "END\r\n", "VA ",
        "\u0000", "*1\r\n", "$0\r\n\r\n", "\"", "\\", ": ", "#", "- ", "{", "[", "&a", "*a", "!!", "---", "\t"};

    private final Random random;
    private final List<byte[]> seeds;

    public Mutator(Random random, List<byte[]> seeds) {
        this.random = random;
        this.seeds = seeds;
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    public byte[] next() {
        if (random.nextInt(12) == 0) {
            byte[] noise = new byte[random.nextInt(96)];
            random.nextBytes(noise);
            return noise;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pieces = 1 + (random.nextInt(4) == 0 ? random.nextInt(6) : 0);
        for (int i = 0; i < pieces; i++) {
            out.writeBytes(seeds.get(random.nextInt(seeds.size())));
        }
        byte[] b = out.toByteArray();
        int mutations = random.nextInt(5);
        for (int i = 0; i < mutations; i++) {
            b = mutate(b);
        }
        return b;
    }

    private byte[] mutate(byte[] b) {
        int at = b.length == 0 ? 0 : random.nextInt(b.length + 1);
        switch (random.nextInt(8)) {
            case 0: // flip bits
                if (b.length > 0) {
                    b[Math.min(at, b.length - 1)] ^= (byte) (1 << random.nextInt(8));
                }
                return b;
            case 1: // a protocol character
                if (b.length > 0) {
                    b[Math.min(at, b.length - 1)] = INTERESTING[random.nextInt(INTERESTING.length)];
                }
                return b;
            case 2: // insert a token
                return splice(b, at, at, bytes(TOKENS[random.nextInt(TOKENS.length)]));
            case 3: { // cut a range
                int end = Math.min(b.length, at + 1 + random.nextInt(16));
                return splice(b, at, end, new byte[0]);
            }
            case 4: { // repeat a range
                int end = Math.min(b.length, at + 1 + random.nextInt(32));
                byte[] range = java.util.Arrays.copyOfRange(b, at, end);
                return splice(b, end, end, range);
            }
            case 5: // truncate
                return java.util.Arrays.copyOf(b, at);
            case 6: { // another seed in the middle
                byte[] other = seeds.get(random.nextInt(seeds.size()));
                return splice(b, at, at, other);
            }
            default: { // a digit run becomes another number
                for (int i = at; i < b.length; i++) {
                    if (b[i] >= '0' && b[i] <= '9') {
                        int end = i;
                        while (end < b.length && b[end] >= '0' && b[end] <= '9') {
                            end++;
                        }
                        String[] numbers = {"0", "1", "7", "255", "65536", "2147483648", "99999999999", "-1", ""};
                        return splice(b, i, end, bytes(numbers[random.nextInt(numbers.length)]));
                    }
                }
                return b;
            }
        }
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        byte[] out = new byte[b.length - (to - from) + insert.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(b, to, out, from + insert.length, b.length - to);
        return out;
    }
}
