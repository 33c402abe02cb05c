package io.twd.daemon.internal.hash;

import io.netty.buffer.ByteBuf;

/**
 * Bob Jenkins' lookup3 {@code hashlittle} with initval 13, as twemproxy has it
 * ({@code nc_jenkins.c}).
 *
 * <p>twemproxy picks one of three code paths by the key pointer's alignment (32-bit reads, 16-bit
 * reads, bytes). On a little-endian machine all three combine the bytes identically: little-endian
 * words, tail bytes unsigned, the masked tail reads equal to reading only the bytes that exist.
 * So one byte-order definition covers them all; full 12-byte blocks use little-endian int loads.
 */
final class Jenkins {

    private static final int INITVAL = 13;

    private Jenkins() {
    }

    static int hash(ByteBuf buf, int index, int length) {
        int a = 0xdeadbeef + length + INITVAL;
        int b = a;
        int c = a;
        if (length == 0) {
            return c; // zero-length keys get no mixing at all
        }

        int pos = index;
        int remaining = length;
        while (remaining > 12) {
            a += buf.getIntLE(pos);
            b += buf.getIntLE(pos + 4);
            c += buf.getIntLE(pos + 8);

            // mix(a, b, c)
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;

            remaining -= 12;
            pos += 12;
        }

        // Last block, 1..12 bytes, unsigned, little-endian within each of a, b, c.
        switch (remaining) {
            case 12: c += (buf.getByte(pos + 11) & 0xff) << 24; // fall through
            case 11: c += (buf.getByte(pos + 10) & 0xff) << 16; // fall through
            case 10: c += (buf.getByte(pos + 9) & 0xff) << 8; // fall through
            case 9: c += buf.getByte(pos + 8) & 0xff; // fall through
            case 8: b += (buf.getByte(pos + 7) & 0xff) << 24; // fall through
            case 7: b += (buf.getByte(pos + 6) & 0xff) << 16; // fall through
            case 6: b += (buf.getByte(pos + 5) & 0xff) << 8; // fall through
            case 5: b += buf.getByte(pos + 4) & 0xff; // fall through
            case 4: a += (buf.getByte(pos + 3) & 0xff) << 24; // fall through
            case 3: a += (buf.getByte(pos + 2) & 0xff) << 16; // fall through
            case 2: a += (buf.getByte(pos + 1) & 0xff) << 8; // fall through
            case 1: a += buf.getByte(pos) & 0xff;
                break;
            default:
                throw new AssertionError(remaining);
        }

        // final(a, b, c)
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }
}
