package io.twd.daemon.internal.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reading complete replies (as framed by {@link MemcacheReplyDecoder}) and writing the few lines
 * the proxy produces itself. Readers never change the reader index of their argument.
 */
public final class MemcacheReplies {
    static final ByteBuf END = constant("END\r\n");
    static final ByteBuf MN = constant("MN\r\n");

    private MemcacheReplies() {
    }

    static ByteBuf constant(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes)).asReadOnly();
    }

    /** {@code text} and CRLF, e.g. {@code SERVER_ERROR Connection refused\r\n}. */
    public static ByteBuf line(ByteBufAllocator alloc, String text) {
        ByteBuf out = alloc.buffer(text.length() + 2);
        out.writeCharSequence(text, StandardCharsets.ISO_8859_1);
        out.writeByte('\r').writeByte('\n');
        return out;
    }

    /** True when the reply starts with an error line: {@code ERROR}, {@code CLIENT_ERROR}, {@code SERVER_ERROR}. */
    public static boolean isError(ByteBuf reply) {
        return MemcacheReplyDecoder.isError(reply, reply.readerIndex(), reply.readableBytes());
    }

    /**
     * The {@code VALUE} blocks of a complete retrieval reply. Each block is described by four
     * ints, absolute indexes into {@code reply}: where the block starts ({@code V}), where it ends
     * (after its data's CRLF), where its key starts and the key's length.
     */
    static final class Blocks {
        int[] at = new int[16];
        int count;
        /** Where the error line that ended the reply starts, or -1 if it ended with END. */
        int errorLine = -1;

        int start(int i) {
            return at[4 * i];
        }

        int end(int i) {
            return at[4 * i + 1];
        }

        int keyStart(int i) {
            return at[4 * i + 2];
        }

        int keyLength(int i) {
            return at[4 * i + 3];
        }

        private void add(int start, int end, int keyStart, int keyLength) {
            if (4 * count + 4 > at.length) {
                at = Arrays.copyOf(at, at.length * 2);
            }
            at[4 * count] = start;
            at[4 * count + 1] = end;
            at[4 * count + 2] = keyStart;
            at[4 * count + 3] = keyLength;
            count++;
        }
    }

    /** Parses a retrieval reply; throws IllegalArgumentException if it is not one. */
    static Blocks blocks(ByteBuf reply) {
        Blocks blocks = new Blocks();
        int i = reply.readerIndex();
        int end = reply.writerIndex();
        while (i < end) {
            int lf = reply.indexOf(i, end, (byte) '\n');
            if (lf < 0 || lf == i) {
                throw new IllegalArgumentException("truncated reply");
            }
            int length = lf - 1 - i;
            if (MemcacheReplyDecoder.startsWith(reply, i, length, "VALUE ")) {
                int keyStart = i + 6;
                int keyEnd = reply.indexOf(keyStart, lf - 1, (byte) ' ');
                int flagsEnd = keyEnd < 0 ? -1 : reply.indexOf(keyEnd + 1, lf - 1, (byte) ' ');
                if (flagsEnd < 0) {
                    throw new IllegalArgumentException("bad VALUE line");
                }
                int bytesEnd = reply.indexOf(flagsEnd + 1, lf - 1, (byte) ' ');
                long n = digits(reply, flagsEnd + 1, bytesEnd < 0 ? lf - 1 : bytesEnd);
                long blockEnd = lf + 1 + n + 2;
                if (n < 0 || blockEnd > end) {
                    throw new IllegalArgumentException("bad VALUE line");
                }
                blocks.add(i, (int) blockEnd, keyStart, keyEnd - keyStart);
                i = (int) blockEnd;
            } else if (length == 3 && MemcacheReplyDecoder.startsWith(reply, i, length, "END")) {
                return blocks;
            } else if (MemcacheReplyDecoder.isError(reply, i, length)) {
                blocks.errorLine = i;
                return blocks;
            } else {
                throw new IllegalArgumentException("unexpected line");
            }
        }
        throw new IllegalArgumentException("truncated reply");
    }

    private static long digits(ByteBuf buf, int from, int to) {
        if (to <= from || to - from > 10) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            byte b = buf.getByte(i);
            if (b < '0' || b > '9') {
                return -1;
            }
            n = n * 10 + (b - '0');
        }
        return n;
    }
}
