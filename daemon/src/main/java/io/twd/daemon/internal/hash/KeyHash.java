package io.twd.daemon.internal.hash;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.twd.protocol.config.HashType;

/**
 * The twelve key hash functions of twemproxy 0.5.0 ({@code src/hashkit/}), bit-exact.
 *
 * <p>Keys must land on the same backend as under nutcracker, so every quirk is kept: the
 * {@code fnv1a_64} that is really 32-bit, crc16 that is not masked to 16 bits, crc32 that keeps
 * only 15 bits, the length-derived murmur seed, and the sign extension of bytes 0x80-0xff wherever
 * twemproxy reads a plain {@code char}. "Signed char" is the x86/x86-64 ABI; a nutcracker built
 * for a platform where {@code char} is unsigned (e.g. ARM Linux) places non-ASCII keys differently
 * for one_at_a_time, fnv* and hsieh, and those builds are not what we match.
 *
 * <p>These are the raw functions. twemproxy's {@code server_pool_hash} never calls them for an
 * empty key (the hash is then 0) nor for a pool of one server; that is the caller's business.
 *
 * <p>All implementations are stateless: thread-safe, and they allocate nothing.
 */
public enum KeyHash {
    ONE_AT_A_TIME {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(OneAtATime.hash(buf, index, length));
        }
    },
    /** The first four bytes of the MD5 digest, read little-endian. */
    MD5 {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(Md5.digest(buf, index, length, null));
        }
    },
    CRC16 {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(Crc.crc16(buf, index, length));
        }
    },
    CRC32 {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(Crc.crc32(buf, index, length));
        }
    },
    CRC32A {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(Crc.crc32a(buf, index, length));
        }
    },
    FNV1_64 {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(Fnv.fnv1of64(buf, index, length));
        }
    },
    FNV1A_64 {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(Fnv.fnv1aOf64(buf, index, length));
        }
    },
    FNV1_32 {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(Fnv.fnv1of32(buf, index, length));
        }
    },
    FNV1A_32 {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(Fnv.fnv1aOf32(buf, index, length));
        }
    },
    HSIEH {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(Hsieh.hash(buf, index, length));
        }
    },
    MURMUR {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(Murmur.hash(buf, index, length));
        }
    },
    JENKINS {
        @Override
        public long hash(ByteBuf buf, int index, int length) {
            return Integer.toUnsignedLong(Jenkins.hash(buf, index, length));
        }
    };

    private static final KeyHash[] BY_TYPE = new KeyHash[HashType.values().length];

    static {
        for (KeyHash h : values()) {
            BY_TYPE[HashType.valueOf(h.name()).ordinal()] = h;
        }
    }

    /** The implementation of a configured {@code hash:}. */
    public static KeyHash of(HashType type) {
        return BY_TYPE[type.ordinal()];
    }

    /**
     * Hashes {@code length} bytes of {@code buf} starting at absolute {@code index}, leaving its
     * reader and writer indexes alone.
     *
     * @return the unsigned 32-bit hash, in [0, 2^32)
     */
    public abstract long hash(ByteBuf buf, int index, int length);

    /** Convenience for tests and cold paths: the hash of a whole array. */
    public long hash(byte[] key) {
        return hash(Unpooled.wrappedBuffer(key), 0, key.length);
    }
}
