package io.twd.daemon.internal.redis;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;

import java.util.List;

/**
 * Frames server replies, emitting each complete reply as a retained slice of the cumulation
 * buffer (so the engine relays the server's bytes untouched).
 *
 * <p>Accepts RESP2 ({@code + - : $ *}, null bulk and null array, arrays nested to any depth) and,
 * because it costs one more case each, the RESP3 types other than attributes.
 *
 * <p>Nesting needs no stack: framing only has to know how many elements the reply still owes.
 * An aggregate header adds its count, every header or bulk pays one off, and the reply is
 * complete when nothing is owed. Like the request decoder, nothing is consumed before a reply is
 * complete and the scan resumes where it stopped, so neither byte-at-a-time input nor a long
 * status line is ever rescanned.
 *
 * <p>Malformed input throws {@link DecoderException}; the engine then closes the server
 * connection, and anything else that arrives before the close is discarded.
 */
public final class RedisReplyDecoder extends ByteToMessageDecoder {
    private static final int TYPE = 0;
    private static final int LINE = 1;
    private static final int BULK = 2;
    private static final int FAILED = 3;

    /** A payload's terminator, as {@link ByteBuf#getShort} reads it. */
    private static final short CRLF = ('\r' << 8) | '\n';
    /** Longest length header ({@code $N}, {@code *N}, ...) accepted, type byte included, CRLF not. */
    private static final int MAX_LENGTH_LINE = 24;
    /**
     * Longest status, error or number line. Redis' are short; without a bound a backend that
     * never ends a line would make twd buffer without limit. (A bulk's size is what the backend
     * declares, up to 2 GiB: the backend is trusted that far.)
     */
    static final int MAX_SIMPLE_LINE = 1024 * 1024;

    private int state = TYPE;
    /** Next byte to examine, relative to in.readerIndex(); the reply starts at 0. */
    private int pos;
    /** Where the header being read starts (its type byte), relative like pos. */
    private int lineStart;
    /** The type byte of the header being read. */
    private byte type;
    /** End of the current bulk payload, where its CRLF must be. */
    private long bulkEnd;
    /** Elements the current reply still owes, the one being read included. */
    private long pending = 1;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            while (frame(in)) {
                out.add(in.readRetainedSlice(pos));
                pos = 0;
                pending = 1;
            }
        } catch (DecoderException e) {
            state = FAILED;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    /** Advances the scan; true when a whole reply lies in the first {@code pos} readable bytes. */
    private boolean frame(ByteBuf in) {
        final int base = in.readerIndex();
        final int avail = in.readableBytes();
        for (;;) {
            switch (state) {
                case TYPE: {
                    if (pos >= avail) {
                        return false;
                    }
                    type = in.getByte(base + pos);
                    if (!RedisReplies.isLineType(type) && !RedisReplies.isBulkType(type)
                            && !RedisReplies.isAggregateType(type)) {
                        throw malformed("unknown reply type " + RedisReplies.show(type));
                    }
                    lineStart = pos++;
                    state = LINE;
                    break;
                }
                case LINE: {
                    int lf = pos < avail ? in.indexOf(base + pos, base + avail, (byte) '\n') : -1;
                    if (lf < 0) {
                        // The CR may be the last byte here, so the line is at least avail - 1 long.
                        checkLineLength(avail - 1 - lineStart);
                        pos = avail;
                        return false;
                    }
                    int cr = lf - 1;
                    checkLineLength(cr - base - lineStart);
                    if (in.getByte(cr) != '\r') {
                        throw malformed("reply line is not terminated by CRLF");
                    }
                    pos = lf + 1 - base;
                    if (header(in, base + lineStart + 1, cr)) {
                        state = BULK;
                        break;
                    }
                    state = TYPE;
                    if (--pending == 0) {
                        return true;
                    }
                    break;
                }
                case BULK: {
                    if (avail - bulkEnd < 2) {
                        return false;
                    }
                    int end = base + (int) bulkEnd;
                    if (in.getShort(end) != CRLF) {
                        throw malformed("bulk reply is not followed by CRLF");
                    }
                    pos = (int) bulkEnd + 2;
                    state = TYPE;
                    if (--pending == 0) {
                        return true;
                    }
                    break;
                }
                default:
                    throw new IllegalStateException("state " + state);
            }
        }
    }

    /**
     * Length headers are short; a long one is garbage, and is refused whether or not its LF has
     * arrived yet, so that the outcome does not depend on how the input was split. Other lines
     * are bounded too ({@link #MAX_SIMPLE_LINE}).
     */
    private void checkLineLength(int length) {
        if (RedisReplies.isLineType(type)) {
            if (length > MAX_SIMPLE_LINE) {
                throw malformed("reply line is longer than " + MAX_SIMPLE_LINE + " bytes");
            }
        } else if (length > MAX_LENGTH_LINE) {
            throw malformed("reply length header is too long");
        }
    }

    /**
     * Interprets the complete header line, whose text after the type byte runs from {@code start}
     * to {@code cr}; returns true when a bulk payload follows, which then ends at {@link #bulkEnd}.
     */
    private boolean header(ByteBuf in, int start, int cr) {
        if (RedisReplies.isLineType(type)) {
            return false;
        }
        long n = RedisReplies.parseLength(in, start, cr);
        if (n == RedisReplies.INVALID || n == -1 && type != '$' && type != '*') {
            throw malformed("invalid length in reply header " + RedisReplies.show(type));
        }
        if (RedisReplies.isBulkType(type)) {
            if (n == -1) {
                return false;
            }
            bulkEnd = pos + n;
            if (bulkEnd + 2 > Integer.MAX_VALUE) {
                throw malformed("bulk reply of " + n + " bytes is too large");
            }
            return true;
        }
        if (n > Integer.MAX_VALUE) {
            throw malformed("aggregate reply of " + n + " elements is too large");
        }
        if (n > 0) {
            pending += type == '%' ? 2 * n : n;
        }
        return false;
    }

    private static DecoderException malformed(String message) {
        return new DecoderException("malformed redis reply: " + message);
    }
}
