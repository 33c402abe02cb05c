package io.twd.daemon.internal.hash;

import io.netty.buffer.ByteBuf;

/** Bob Jenkins' one-at-a-time hash as twemproxy has it ({@code nc_one_at_a_time.c}). */
final class OneAtATime {

    private OneAtATime() {
    }

    static int hash(ByteBuf buf, int index, int length) {
        int value = 0;
        for (int i = index, end = index + length; i < end; i++) {
            // twemproxy adds (uint32_t) of a signed char: bytes >= 0x80 are sign-extended. Java's
            // byte widening does the same; keep it for placement compatibility.
            value += buf.getByte(i);
            value += value << 10;
            value ^= value >>> 6;
        }
        value += value << 3;
        value ^= value >>> 11;
        value += value << 15;
        return value;
    }
}
