package io.twd.daemon.internal.hash;

import io.netty.buffer.ByteBuf;

/**
 * MD5 (RFC 1321) over a region of a {@link ByteBuf}, giving the digest as four little-endian
 * 32-bit words.
 *
 * <p>twemproxy uses MD5 twice: the {@code md5} key hash is digest word 0, and every ketama point is
 * one of the four words of {@code md5("<name>-<i>")}. Both read the digest bytes as little-endian
 * words, which is exactly MD5's internal state words A, B, C, D, so the state is returned directly
 * and no 16-byte digest is ever materialised.
 *
 * <p>Why not {@link java.security.MessageDigest}: it needs a byte[] input (a copy out of direct
 * buffers), allocates its result, and is not thread-safe, so it would need a ThreadLocal instance
 * plus a scratch array. This version reads the buffer in place, keeps all state in locals and
 * synthesises the padding on the fly, so it allocates nothing and is trivially thread-safe.
 */
public final class Md5 {

    /** Per-step left rotations, RFC 1321 section 3.4. */
    private static final int[] SHIFT = {
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    };

    /** Per-step additive constants T[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 section 3.4. */
    private static final int[] SINE = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
    };

    private Md5() {
    }

    /**
     * Digests {@code length} bytes at absolute {@code index} of {@code buf} without moving its
     * indexes.
     *
     * @param words if not null, receives all four digest words (A, B, C, D), i.e. digest bytes
     *     0-3, 4-7, 8-11, 12-15 each read little-endian
     * @return digest word 0 (bytes 0-3 little-endian), which is twemproxy's {@code hash_md5}
     */
    public static int digest(ByteBuf buf, int index, int length, int[] words) {
        // Message + 0x80 + zero fill + 64-bit bit count, rounded up to whole 64-byte blocks.
        int paddedLength = ((length + 8) / 64 + 1) * 64;
        long bitCount = (long) length << 3;

        int h0 = 0x67452301;
        int h1 = 0xefcdab89;
        int h2 = 0x98badcfe;
        int h3 = 0x10325476;

        for (int block = 0; block < paddedLength; block += 64) {
            int a = h0;
            int b = h1;
            int c = h2;
            int d = h3;
            for (int step = 0; step < 64; step++) {
                int f;
                int wordIndex;
                if (step < 16) {
                    f = (b & c) | (~b & d);
                    wordIndex = step;
                } else if (step < 32) {
                    f = (d & b) | (~d & c);
                    wordIndex = (5 * step + 1) & 15;
                } else if (step < 48) {
                    f = b ^ c ^ d;
                    wordIndex = (3 * step + 5) & 15;
                } else {
                    f = c ^ (b | ~d);
                    wordIndex = (7 * step) & 15;
                }
                int x = messageWord(buf, index, length, paddedLength, bitCount, block + 4 * wordIndex);
                int rotated = Integer.rotateLeft(a + f + SINE[step] + x, SHIFT[step]);
                a = d;
                d = c;
                c = b;
                b = b + rotated;
            }
            h0 += a;
            h1 += b;
            h2 += c;
            h3 += d;
        }

        if (words != null) {
            words[0] = h0;
            words[1] = h1;
            words[2] = h2;
            words[3] = h3;
        }
        return h0;
    }

    /** Little-endian 32-bit word at offset {@code pos} of the padded message. */
    private static int messageWord(ByteBuf buf, int index, int length, int paddedLength, long bitCount, int pos) {
        if (pos + 4 <= length) {
            return buf.getIntLE(index + pos);
        }
        return paddedByte(buf, index, length, paddedLength, bitCount, pos)
                | paddedByte(buf, index, length, paddedLength, bitCount, pos + 1) << 8
                | paddedByte(buf, index, length, paddedLength, bitCount, pos + 2) << 16
                | paddedByte(buf, index, length, paddedLength, bitCount, pos + 3) << 24;
    }

    private static int paddedByte(ByteBuf buf, int index, int length, int paddedLength, long bitCount, int pos) {
        if (pos < length) {
            return buf.getByte(index + pos) & 0xff;
        }
        if (pos == length) {
            return 0x80;
        }
        int lengthFieldStart = paddedLength - 8;
        if (pos >= lengthFieldStart) {
            return (int) (bitCount >>> (8 * (pos - lengthFieldStart))) & 0xff;
        }
        return 0;
    }
}
