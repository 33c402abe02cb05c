package io.twd.daemon.internal.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.twd.daemon.internal.proxy.Request;
import io.twd.daemon.internal.proxy.ServerConnection;

import java.util.List;
import java.util.function.Supplier;

/**
 * Frames memcached replies, emitting each complete reply as a retained slice of the cumulation
 * buffer (so the engine relays the server's bytes untouched).
 *
 * <p>An ASCII reply does not say where it ends, so each is framed by the request it answers:
 * the oldest one in flight on the connection (replies come in request order), whose
 * {@link ReplyKind} is asked for when a reply starts. A retrieval reply runs to {@code END},
 * {@code VALUE} blocks skipped by their byte counts; a meta reply is one line or {@code VA <n>}
 * with a data block; anything else is one line. An error line ({@code ERROR},
 * {@code CLIENT_ERROR ...}, {@code SERVER_ERROR ...}) ends any reply.
 *
 * <p>Exactly one reply is emitted per {@link #decode} call: the engine takes the request off the
 * connection as the reply passes by, so the next call frames by the next request. The reply to
 * a quiet meta command (sent without its {@code q} flag) that quiet mode would have suppressed is
 * consumed and passed on as an empty buffer, so its request still completes, in order, with
 * nothing to write.
 *
 * <p>Like the request decoder, nothing is consumed before a reply is complete and the scan
 * resumes where it stopped. Malformed input throws {@link DecoderException}; the engine then
 * closes the server connection, and anything that arrives before the close is discarded.
 */
public final class MemcacheReplyDecoder extends ByteToMessageDecoder {
    /** Longest reply line accepted; memcached's are short (a VALUE line is key + 3 numbers). */
    static final int MAX_LINE = 8192;

    private static final int START = 0;
    private static final int LINE = 1;
    private static final int DATA = 2;
    private static final int FAILED = 3;

    private final Supplier<ReplyKind> next;

    private int state = START;
    private ReplyKind kind;
    /** Next byte to examine, relative to in.readerIndex(); the reply starts at 0. */
    private int pos;
    /** Where the line being read starts, relative like pos. */
    private int lineStart;
    /** End of the current data block (where its CRLF must be). */
    private int dataEnd;
    /** The reply is one quiet mode suppresses: consumed, and passed on empty. */
    private boolean drop;

    /** @param next the kind of the reply to frame next: that of the oldest request in flight (null if none) */
    public MemcacheReplyDecoder(Supplier<ReplyKind> next) {
        this.next = next;
    }

    /** A decoder framing by the requests of {@code connection}. */
    public static MemcacheReplyDecoder forConnection(ServerConnection connection) {
        return new MemcacheReplyDecoder(() -> kindOf(connection.oldestInflight()));
    }

    static ReplyKind kindOf(Request r) {
        if (r == null) {
            return null;
        }
        Object m = r.message();
        return m instanceof ReplyKind ? (ReplyKind) m : ReplyKind.LINE;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            if (frame(in)) {
                if (drop) {
                    in.skipBytes(pos);
                    out.add(Unpooled.EMPTY_BUFFER);
                } else {
                    out.add(in.readRetainedSlice(pos));
                }
                pos = 0;
                drop = false;
                state = START;
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
                case START:
                    if (avail == 0) {
                        return false;
                    }
                    kind = next.get();
                    if (kind == null) {
                        // Nobody asked: frame a line, which the engine then treats as a stray reply.
                        kind = ReplyKind.LINE;
                    }
                    lineStart = 0;
                    state = LINE;
                    break;
                case LINE: {
                    int lf = pos < avail ? in.indexOf(base + pos, base + avail, (byte) '\n') : -1;
                    if (lf < 0) {
                        pos = avail;
                        if (pos - lineStart > MAX_LINE) {
                            throw malformed("reply line longer than " + MAX_LINE + " bytes");
                        }
                        return false;
                    }
                    int start = base + lineStart;
                    int length = lf - 1 - start; // without CRLF
                    if (length < 0 || in.getByte(lf - 1) != '\r') {
                        throw malformed("reply line is not terminated by CRLF");
                    }
                    if (length > MAX_LINE) {
                        throw malformed("reply line longer than " + MAX_LINE + " bytes");
                    }
                    pos = lf + 1 - base;
                    if (line(in, start, length)) {
                        return true;
                    }
                    break;
                }
                case DATA: {
                    if (avail - dataEnd < 2) {
                        return false;
                    }
                    if (in.getByte(base + dataEnd) != '\r' || in.getByte(base + dataEnd + 1) != '\n') {
                        throw malformed("data block is not followed by CRLF");
                    }
                    pos = dataEnd + 2;
                    if (kind != ReplyKind.RETRIEVAL) {
                        return true;
                    }
                    lineStart = pos;
                    state = LINE;
                    break;
                }
                default:
                    throw new IllegalStateException("state " + state);
            }
        }
    }

    /**
     * Interprets a complete line (without CRLF); true when it ends the reply. A line announcing a
     * data block sets {@link #dataEnd} and the state to DATA.
     */
    private boolean line(ByteBuf in, int start, int length) {
        if (kind == ReplyKind.RETRIEVAL) {
            if (startsWith(in, start, length, "VALUE ")) {
                return data(in, start, length, 3);
            }
            if (isWord(in, start, length, "END") || isError(in, start, length)) {
                return true;
            }
            throw malformed("unexpected line in a retrieval reply: " + show(in, start, length));
        }
        if (kind == ReplyKind.LINE) {
            return true;
        }
        // Meta: VA <size> <flags>* and a data block, or any single line.
        if (firstToken(in, start, length, "VA")) {
            drop = kind == ReplyKind.QUIET_ARITHMETIC;
            return data(in, start, length, 1);
        }
        switch (kind) {
            case QUIET_MISS:
                drop = firstToken(in, start, length, "EN");
                break;
            case QUIET_SUCCESS: case QUIET_ARITHMETIC:
                drop = firstToken(in, start, length, "HD");
                break;
            default:
                break;
        }
        return true;
    }

    /** Reads the data length from token {@code index} of the line and expects the data block. */
    private boolean data(ByteBuf in, int start, int length, int index) {
        int end = start + length;
        int tokenStart = start;
        for (int i = 0; i < index; i++) {
            int space = in.indexOf(tokenStart, end, (byte) ' ');
            if (space < 0) {
                throw malformed("no data length in " + show(in, start, length));
            }
            tokenStart = space + 1;
        }
        int tokenEnd = in.indexOf(tokenStart, end, (byte) ' ');
        if (tokenEnd < 0) {
            tokenEnd = end;
        }
        long n = 0;
        if (tokenEnd == tokenStart || tokenEnd - tokenStart > 10) {
            throw malformed("bad data length in " + show(in, start, length));
        }
        for (int i = tokenStart; i < tokenEnd; i++) {
            byte b = in.getByte(i);
            if (b < '0' || b > '9') {
                throw malformed("bad data length in " + show(in, start, length));
            }
            n = n * 10 + (b - '0');
        }
        if (pos + n + 2 > Integer.MAX_VALUE) {
            throw malformed("data block of " + n + " bytes is too large");
        }
        dataEnd = pos + (int) n;
        state = DATA;
        return false;
    }

    /** True for {@code ERROR}, {@code CLIENT_ERROR ...} and {@code SERVER_ERROR ...}. */
    static boolean isError(ByteBuf in, int start, int length) {
        return startsWith(in, start, length, "ERROR") || startsWith(in, start, length, "CLIENT_ERROR")
            || startsWith(in, start, length, "SERVER_ERROR");
    }

    static boolean startsWith(ByteBuf in, int start, int length, String prefix) {
        int n = prefix.length();
        if (length < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (in.getByte(start + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWord(ByteBuf in, int start, int length, String word) {
        return length == word.length() && startsWith(in, start, length, word);
    }

    /** The line's first token is {@code word}: the line is the word, or the word and a space. */
    private static boolean firstToken(ByteBuf in, int start, int length, String word) {
        int n = word.length();
        return startsWith(in, start, length, word) && (length == n || in.getByte(start + n) == ' ');
    }

    private static String show(ByteBuf in, int start, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(length, 64); i++) {
            byte b = in.getByte(start + i);
            sb.append(b >= 0x20 && b < 0x7f ? (char) b : '?');
        }
        return '\'' + sb.toString() + (length > 64 ? "...'" : "'");
    }

    private static DecoderException malformed(String message) {
        return new DecoderException("malformed memcached reply: " + message);
    }
}
