package io.twd.daemon.internal.hash;

import io.netty.buffer.ByteBuf;

/**
 * twemproxy's four FNV variants ({@code nc_fnv.c}).
 *
 * <p>In all of them the key byte is a (signed, on x86) {@code char} widened to the hash width, so
 * bytes 0x80-0xff are sign-extended: 0xe9 is mixed in as 0xffffffe9 (or 0xffffffffffffffe9). Java's
 * byte-to-int/long widening does the same, which is why the raw {@code getByte} value is used below
 * without masking. Keep it that way: it decides which server a non-ASCII key lands on.
 */
final class Fnv {

    private static final long FNV_64_INIT = 0xcbf29ce484222325L;
    private static final long FNV_64_PRIME = 0x100000001b3L;
    private static final int FNV_32_INIT = 0x811c9dc5; // 2166136261
    private static final int FNV_32_PRIME = 16777619;

    private Fnv() {
    }

    /** Real 64-bit FNV-1, truncated to its low 32 bits on return. */
    static int fnv1of64(ByteBuf buf, int index, int length) {
        long hash = FNV_64_INIT;
        for (int i = index, end = index + length; i < end; i++) {
            hash *= FNV_64_PRIME;
            hash ^= buf.getByte(i); // sign-extended to 64 bits, as twemproxy's (uint64_t)key[x]
        }
        return (int) hash;
    }

    /**
     * Despite the name, twemproxy computes this in 32 bits with the 64-bit constants truncated
     * (init 0x84222325, prime 0x1b3). It is the default hash, so this quirk must be kept exactly.
     */
    static int fnv1aOf64(ByteBuf buf, int index, int length) {
        int hash = (int) FNV_64_INIT;
        int prime = (int) FNV_64_PRIME;
        for (int i = index, end = index + length; i < end; i++) {
            hash ^= buf.getByte(i);
            hash *= prime;
        }
        return hash;
    }

    static int fnv1of32(ByteBuf buf, int index, int length) {
        int hash = FNV_32_INIT;
        for (int i = index, end = index + length; i < end; i++) {
            hash *= FNV_32_PRIME;
            hash ^= buf.getByte(i);
        }
        return hash;
    }

    static int fnv1aOf32(ByteBuf buf, int index, int length) {
        int hash = FNV_32_INIT;
        for (int i = index, end = index + length; i < end; i++) {
            hash ^= buf.getByte(i);
            hash *= FNV_32_PRIME;
        }
        return hash;
    }
}
