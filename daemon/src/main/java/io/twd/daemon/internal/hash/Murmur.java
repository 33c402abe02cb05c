package io.twd.daemon.internal.hash;

import io.netty.buffer.ByteBuf;

/** MurmurHash2 as twemproxy has it ({@code nc_murmur.c}). */
final class Murmur {

    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    private Murmur() {
    }

    static int hash(ByteBuf buf, int index, int length) {
        // twemproxy derives the seed from the length (0xdeadbeef * len) instead of taking one, and
        // then xors the length in again as MurmurHash2 does.
        int seed = 0xdeadbeef * length;
        int h = seed ^ length;

        int pos = index;
        int remaining = length;
        while (remaining >= 4) {
            // A native unsigned-int load in twemproxy; x86 is little-endian.
            int k = buf.getIntLE(pos);
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
            pos += 4;
            remaining -= 4;
        }

        // Tail bytes are read as unsigned char here, so no sign extension.
        switch (remaining) {
            case 3:
                h ^= (buf.getByte(pos + 2) & 0xff) << 16;
                // fall through
            case 2:
                h ^= (buf.getByte(pos + 1) & 0xff) << 8;
                // fall through
            case 1:
                h ^= buf.getByte(pos) & 0xff;
                h *= M;
                break;
            default:
                break;
        }

        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }
}
