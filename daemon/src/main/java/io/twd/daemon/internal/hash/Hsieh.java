package io.twd.daemon.internal.hash;

import io.netty.buffer.ByteBuf;

/** Paul Hsieh's SuperFastHash as twemproxy has it ({@code nc_hsieh.c}). */
final class Hsieh {

    private Hsieh() {
    }

    static int hash(ByteBuf buf, int index, int length) {
        if (length <= 0) {
            return 0; // twemproxy returns 0 for an empty key, skipping the final avalanche
        }
        int hash = 0;
        int pos = index;
        int rem = length & 3;

        for (int blocks = length >>> 2; blocks > 0; blocks--) {
            // get16bits reads unsigned little-endian 16-bit values (on x86 and in the portable macro)
            hash += buf.getUnsignedShortLE(pos);
            int tmp = (buf.getUnsignedShortLE(pos + 2) << 11) ^ hash;
            hash = (hash << 16) ^ tmp;
            pos += 4;
            hash += hash >>> 11;
        }

        switch (rem) {
            case 3:
                hash += buf.getUnsignedShortLE(pos);
                hash ^= hash << 16;
                // Unlike every other byte read here, twemproxy reads this one as a plain (signed)
                // char, so 0x80-0xff are sign-extended before the shift. Java's byte widening
                // reproduces that; keep it for placement compatibility.
                hash ^= buf.getByte(pos + 2) << 18;
                hash += hash >>> 11;
                break;
            case 2:
                hash += buf.getUnsignedShortLE(pos);
                hash ^= hash << 11;
                hash += hash >>> 17;
                break;
            case 1:
                hash += buf.getByte(pos) & 0xff; // explicitly unsigned char in twemproxy
                hash ^= hash << 10;
                hash += hash >>> 1;
                break;
            default:
                break;
        }

        // Final avalanche.
        hash ^= hash << 3;
        hash += hash >>> 5;
        hash ^= hash << 4;
        hash += hash >>> 17;
        hash ^= hash << 25;
        hash += hash >>> 6;
        return hash;
    }
}
