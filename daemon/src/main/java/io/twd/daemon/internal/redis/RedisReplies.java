package io.twd.daemon.internal.redis;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.twd.daemon.internal.proxy.Buffers;

import java.nio.charset.StandardCharsets;

/**
 * Reading complete replies (as framed by {@link RedisReplyDecoder}) and writing the few replies
 * and commands the proxy produces itself. Readers never change the reader index of their argument.
 */
public final class RedisReplies {
    /** Returned by {@link #parseLength} for anything that is not -1 or a non-negative count. */
    static final long INVALID = Long.MIN_VALUE;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final ByteBuf OK = constant("+OK\r\n");
    private static final ByteBuf PONG = constant("+PONG\r\n");

    private RedisReplies() {
    }

    private static ByteBuf constant(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes)).asReadOnly();
    }

    // ------------------------------------------------------------------ reading

    /** True for an error reply ({@code -...}). */
    public static boolean isError(ByteBuf reply) {
        return reply.isReadable() && reply.getByte(reply.readerIndex()) == '-';
    }

    /**
     * True for the errors after which twemproxy counts the server as failing and closes the
     * connection ({@code redis_failure}): {@code -OOM}, {@code -BUSY} and {@code -LOADING}, as
     * whole words ({@code -BUSYKEY} is an ordinary error).
     */
    public static boolean isFailureError(ByteBuf reply) {
        // Asked of every reply: one byte settles it for all but errors.
        return isError(reply) && (startsWithWord(reply, "-OOM") || startsWithWord(reply, "-BUSY") || startsWithWord(reply, "-LOADING"));
    }

    private static boolean startsWithWord(ByteBuf reply, String word) {
        int start = reply.readerIndex();
        int n = word.length();
        if (reply.readableBytes() <= n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (reply.getByte(start + i) != word.charAt(i)) {
                return false;
            }
        }
        byte next = reply.getByte(start + n);
        return next == ' ' || next == '\r';
    }

    /** The value of an integer reply ({@code :N\r\n}). */
    public static long integer(ByteBuf reply) {
        int start = reply.readerIndex();
        int end = reply.writerIndex();
        if (end - start < 4 || reply.getByte(start) != ':') {
            throw new IllegalArgumentException("not an integer reply");
        }
        int i = start + 1;
        boolean negative = reply.getByte(i) == '-';
        if (negative) {
            i++;
        }
        long value = 0;
        int digitsStart = i;
        for (; i < end; i++) {
            byte b = reply.getByte(i);
            if (b < '0' || b > '9') {
                break;
            }
            // Accumulate negatively so that Long.MIN_VALUE parses too.
            if (value < (Long.MIN_VALUE + (b - '0')) / 10) {
                throw new IllegalArgumentException("integer reply out of range");
            }
            value = value * 10 - (b - '0');
        }
        if (i == digitsStart || i + 2 != end || reply.getByte(i) != '\r' || reply.getByte(i + 1) != '\n') {
            throw new IllegalArgumentException("not an integer reply");
        }
        if (!negative) {
            if (value == Long.MIN_VALUE) {
                throw new IllegalArgumentException("integer reply out of range");
            }
            value = -value;
        }
        return value;
    }

    /** The element count of an array reply, -1 for the null array. */
    public static int arrayLength(ByteBuf reply) {
        int start = reply.readerIndex();
        int lf = reply.indexOf(start, reply.writerIndex(), (byte) '\n');
        if (lf < start + 3 || reply.getByte(start) != '*' || reply.getByte(lf - 1) != '\r') {
            throw new IllegalArgumentException("not an array reply");
        }
        long n = parseLength(reply, start + 1, lf - 1);
        if (n == INVALID || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("invalid array length");
        }
        return (int) n;
    }

    /**
     * Locates the top-level elements of an array reply: for element i, {@code offsetsAndLengths[2i]}
     * is where it starts relative to {@code reply.readerIndex()} and {@code [2i+1]} its length,
     * header included, so it can be copied or sliced whole (e.g. to merge MGET fragments in key
     * order). Returns the element count ({@link #arrayLength}), -1 for the null array.
     *
     * @throws IllegalArgumentException if this is not a complete array reply, or the array is
     *                                  shorter than twice the element count
     */
    public static int arrayElements(ByteBuf reply, int[] offsetsAndLengths) {
        int n = arrayLength(reply);
        if (offsetsAndLengths.length < 2L * n) {
            throw new IllegalArgumentException("need room for " + n + " elements");
        }
        int start = reply.readerIndex();
        int index = reply.indexOf(start, reply.writerIndex(), (byte) '\n') + 1;
        for (int i = 0; i < n; i++) {
            int end = elementEnd(reply, index);
            offsetsAndLengths[2 * i] = index - start;
            offsetsAndLengths[2 * i + 1] = end - index;
            index = end;
        }
        return n;
    }

    /**
     * The index just past the complete element starting at {@code index}. A count of the
     * elements still owed is all the walk needs: an aggregate header adds its children, every
     * header or bulk read pays one off.
     */
    static int elementEnd(ByteBuf buf, int index) {
        int end = buf.writerIndex();
        long pending = 1;
        while (pending > 0) {
            int lf = index < end ? buf.indexOf(index, end, (byte) '\n') : -1;
            if (lf < 0 || lf - 1 <= index || buf.getByte(lf - 1) != '\r') {
                throw new IllegalArgumentException("truncated or malformed reply element");
            }
            byte type = buf.getByte(index);
            long next = lf + 1;
            if (isBulkType(type) || isAggregateType(type)) {
                long n = parseLength(buf, index + 1, lf - 1);
                if (n == INVALID || n == -1 && type != '$' && type != '*') {
                    throw new IllegalArgumentException("invalid length in reply element");
                }
                if (isBulkType(type)) {
                    next += n >= 0 ? n + 2 : 0;
                } else if (n > 0) {
                    pending += type == '%' ? 2 * n : n;
                }
            } else if (!isLineType(type)) {
                throw new IllegalArgumentException("unknown reply type");
            }
            if (next > end) {
                throw new IllegalArgumentException("truncated reply element");
            }
            index = (int) next;
            pending--;
        }
        return index;
    }

    /** Line replies: simple string, error, integer, and the RESP3 null, double, boolean, big number. */
    static boolean isLineType(byte type) {
        return type == '+' || type == '-' || type == ':' || type == '_' || type == ',' || type == '#' || type == '(';
    }

    /** Length-prefixed payloads: bulk string, and the RESP3 blob error and verbatim string. */
    static boolean isBulkType(byte type) {
        return type == '$' || type == '!' || type == '=';
    }

    /** Arrays, and the RESP3 set, push and map (a map's count is of pairs). */
    static boolean isAggregateType(byte type) {
        return type == '*' || type == '~' || type == '>' || type == '%';
    }

    /**
     * Parses the length of a {@code $}/{@code *}-style header between {@code from} and {@code to}
     * (exclusive): -1 or at most 18 digits; {@link #INVALID} otherwise.
     */
    static long parseLength(ByteBuf buf, int from, int to) {
        int n = to - from;
        if (n == 2 && buf.getByte(from) == '-' && buf.getByte(from + 1) == '1') {
            return -1;
        }
        if (n < 1 || n > 18) {
            return INVALID;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            byte b = buf.getByte(i);
            if (b < '0' || b > '9') {
                return INVALID;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    /** A byte for an error message: quoted if printable ASCII, as a \xNN escape otherwise. */
    static String show(byte b) {
        return b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : String.format("'\\x%02x'", b & 0xff);
    }

    // ------------------------------------------------------------------ writing

    /** {@code +OK\r\n}; a shared buffer's duplicate, so releasing it is harmless and optional. */
    public static ByteBuf ok() {
        return OK.duplicate();
    }

    /** {@code +PONG\r\n}, shared like {@link #ok()}. */
    public static ByteBuf pong() {
        return PONG.duplicate();
    }

    /** {@code -ERR <message>\r\n}; CR and LF in the message become spaces. */
    public static ByteBuf error(ByteBufAllocator alloc, String message) {
        return error(alloc, "ERR", message);
    }

    /** {@code -<code> <message>\r\n}, e.g. code {@code NOAUTH}; CR and LF in the message become spaces. */
    public static ByteBuf error(ByteBufAllocator alloc, String code, String message) {
        String text = message.replace('\r', ' ').replace('\n', ' ');
        ByteBuf out = alloc.buffer(code.length() + ByteBufUtil.utf8Bytes(text) + 4);
        out.writeByte('-');
        out.writeCharSequence(code, StandardCharsets.US_ASCII);
        out.writeByte(' ');
        ByteBufUtil.writeUtf8(out, text);
        out.writeBytes(CRLF);
        return out;
    }

    /** {@code :<value>\r\n}. */
    public static ByteBuf integer(ByteBufAllocator alloc, long value) {
        ByteBuf out = alloc.buffer(24);
        out.writeByte(':');
        writeDecimal(out, value);
        out.writeBytes(CRLF);
        return out;
    }

    /** {@code *<n>\r\n}. */
    public static ByteBuf arrayHeader(ByteBufAllocator alloc, int n) {
        ByteBuf out = alloc.buffer(14);
        writeArrayHeader(out, n);
        return out;
    }

    /** A request as clients send it: an array of bulk strings, UTF-8 encoded (e.g. AUTH, SELECT). */
    public static ByteBuf command(ByteBufAllocator alloc, String... args) {
        int size = 14;
        for (String arg : args) {
            size += ByteBufUtil.utf8Bytes(arg) + 15;
        }
        ByteBuf out = alloc.buffer(size);
        writeArrayHeader(out, args.length);
        for (String arg : args) {
            out.writeByte('$');
            writeDecimal(out, ByteBufUtil.utf8Bytes(arg));
            out.writeBytes(CRLF);
            ByteBufUtil.writeUtf8(out, arg);
            out.writeBytes(CRLF);
        }
        return out;
    }

    /** Writes {@code *<n>\r\n}. */
    public static void writeArrayHeader(ByteBuf out, int n) {
        out.writeByte('*');
        writeDecimal(out, n);
        out.writeBytes(CRLF);
    }

    /** Writes {@code length} bytes of {@code src} from {@code index} as a bulk string; src's indexes are untouched. */
    public static void writeBulk(ByteBuf out, ByteBuf src, int index, int length) {
        out.writeByte('$');
        writeDecimal(out, length);
        out.writeBytes(CRLF);
        Buffers.append(out, src, index, length);
        out.writeBytes(CRLF);
    }

    /** Writes the decimal digits of {@code value} without going through a String. */
    static void writeDecimal(ByteBuf out, long value) {
        if (value >= 0 && value < 10) {
            out.writeByte('0' + (int) value);
            return;
        }
        // Work on the non-positive value so that Long.MIN_VALUE needs no special case.
        long n = value;
        if (n < 0) {
            out.writeByte('-');
        } else {
            n = -n;
        }
        int digits = 0;
        for (long t = n; t != 0; t /= 10) {
            digits++;
        }
        out.ensureWritable(digits);
        int end = out.writerIndex() + digits;
        for (int i = end - 1; n != 0; i--) {
            out.setByte(i, '0' - (int) (n % 10));
            n /= 10;
        }
        out.writerIndex(end);
    }
}
