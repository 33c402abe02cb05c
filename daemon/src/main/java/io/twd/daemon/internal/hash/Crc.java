package io.twd.daemon.internal.hash;

import io.netty.buffer.ByteBuf;

/** twemproxy's three CRC hashes ({@code nc_crc16.c}, {@code nc_crc32.c}). */
final class Crc {

    /** CRC-16/CCITT (poly 0x1021, MSB first) table; the same 256 values twemproxy hard-codes. */
    private static final int[] CRC16_TABLE = new int[256];

    /** Reflected CRC-32 (poly 0xEDB88320) table; the same 256 values twemproxy hard-codes. */
    private static final int[] CRC32_TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc16 = i << 8;
            int crc32 = i;
            for (int bit = 0; bit < 8; bit++) {
                crc16 = (crc16 & 0x8000) != 0 ? (crc16 << 1) ^ 0x1021 : crc16 << 1;
                crc32 = (crc32 & 1) != 0 ? (crc32 >>> 1) ^ 0xEDB88320 : crc32 >>> 1;
            }
            CRC16_TABLE[i] = crc16 & 0xffff;
            CRC32_TABLE[i] = crc32;
        }
    }

    private Crc() {
    }

    /**
     * twemproxy's crc16. The accumulator is a uint32 that is never masked to 16 bits, so the result
     * is generally wider than 16 bits (e.g. 3662830516 for "apple"); only bits 8-15 feed the table
     * index. The key byte is a signed char there, but the {@code & 0xff} makes its sign irrelevant.
     */
    static int crc16(ByteBuf buf, int index, int length) {
        int crc = 0;
        for (int i = index, end = index + length; i < end; i++) {
            crc = (crc << 8) ^ CRC16_TABLE[((crc >>> 8) ^ buf.getByte(i)) & 0xff];
        }
        return crc;
    }

    /** Standard CRC-32 (zlib/IEEE): twemproxy's crc32a. */
    static int crc32a(ByteBuf buf, int index, int length) {
        int crc = ~0;
        for (int i = index, end = index + length; i < end; i++) {
            crc = (crc >>> 8) ^ CRC32_TABLE[(crc ^ buf.getByte(i)) & 0xff];
        }
        return ~crc;
    }

    /**
     * twemproxy's crc32 is libmemcached's variant: the standard CRC-32, then only 15 bits of it,
     * {@code (crc >> 16) & 0x7fff}. Its per-byte loop is identical to crc32a's.
     */
    static int crc32(ByteBuf buf, int index, int length) {
        return (crc32a(buf, index, length) >>> 16) & 0x7fff;
    }
}
