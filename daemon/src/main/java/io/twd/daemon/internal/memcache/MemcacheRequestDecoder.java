package io.twd.daemon.internal.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.twd.daemon.internal.proxy.ClientRequestDecoder;
import io.twd.daemon.internal.proxy.RequestGate;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Frames memcached ASCII requests into {@link MemcacheRequest}s.
 *
 * <p>The command line is tokenized as memcached does it (tokens are separated by spaces, a line
 * ends at LF, one CR before the LF is dropped) in a single pass that resumes where it stopped,
 * so input arriving a byte at a time is never rescanned; data blocks are skipped by their
 * length, never scanned. Nothing is consumed until a request is complete, which keeps every
 * position relative to {@code in.readerIndex()} valid across calls, and each request is a
 * retained slice of the input, so the engine forwards exactly the bytes the client sent.
 *
 * <p>Whatever is forwarded must be read by memcached exactly as twd read it, or replies would
 * no longer match requests: a storage command whose header memcached rejects has its data
 * block read as a command, and a {@code noreply} request that memcached answers anyway shifts
 * every later reply. So the decoder checks what memcached checks before it reads a data block
 * (token counts, key length, the numbers, at most {@value #MAX_LINE} bytes on a line), more
 * strictly (numbers are plain decimal digits), and a request that fails is answered by the
 * proxy and not forwarded. Such a request is still emitted, with {@link MemcacheRequest#error()}
 * set; a storage command's data block is skipped with it when its length is known. Input that
 * cannot be framed (a data length that is not a number, a data block not followed by CRLF, an
 * over-long line) produces one {@link MemcacheProtocolError}, after which input is discarded.
 *
 * <p>Requests come out one per {@link #decode} call, and before each the {@link RequestGate} is
 * asked whether the connection takes another (see {@code RedisRequestDecoder}).
 */
public final class MemcacheRequestDecoder extends ClientRequestDecoder {
    /** memcached's KEY_MAX_LENGTH, which twemproxy enforces too. */
    public static final int MAX_KEY_LENGTH = 250;
    /**
     * Longest command line, line ending included. memcached closes a connection that sends more
     * than 2048 bytes without a newline, unless the line is a get or gets (which may be long).
     */
    public static final int MAX_LINE = 2048;
    /** ms: memcached refuses more tokens (MFLAG_MAX_OPT_LENGTH, counting its end marker) before it knows the data length. */
    static final int MAX_MS_TOKENS = 19;

    private static final int LINE = 0;
    private static final int DATA = 1;
    private static final int FAILED = 2;

    private static final int INITIAL_TOKENS = 8;
    private static final int MAX_ECHOED = 64;
    private static final byte[] NOREPLY = "noreply".getBytes(StandardCharsets.US_ASCII);

    private final int maxRequestBytes;
    private final RequestGate gate;

    private int state = LINE;
    /** Next byte to examine, relative to in.readerIndex(); the request starts at 0. */
    private int pos;
    /** Where the token being read starts, or -1 between tokens. */
    private int tokenStart = -1;
    /** Offset/length pairs of the tokens read so far. */
    private int[] tokens = new int[2 * INITIAL_TOKENS];
    private int tokenCount;
    private boolean previousCr;
    private boolean nul;
    private MemcacheCommand command;
    private int lineLimit = MAX_LINE;
    // Set once the line is complete.
    private int lineLength;
    private int dataLength;
    private boolean noReply;
    private int quietToken = -1;
    private boolean vivify;
    /** A storage command answered with this error once its data block has been skipped. */
    private String error;

    /** @param maxRequestBytes largest accepted request (a get line, or a storage command with its data) */
    public MemcacheRequestDecoder(long maxRequestBytes) {
        this(maxRequestBytes, RequestGate.OPEN);
    }

    /** @param gate asked before each request whether the connection takes it now */
    public MemcacheRequestDecoder(long maxRequestBytes, RequestGate gate) {
        if (maxRequestBytes < MAX_LINE) {
            throw new IllegalArgumentException("maxRequestBytes must be at least " + MAX_LINE);
        }
        this.maxRequestBytes = (int) Math.min(maxRequestBytes, Integer.MAX_VALUE - 8);
        this.gate = gate;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (state != FAILED && in.isReadable()) {
            if (state == LINE) {
                if (pos == 0 && !gate.acceptsRequests()) {
                    return;
                }
                if (!scanLine(in)) {
                    return;
                }
                String problem = endOfLine(in);
                if (problem != null) {
                    fail(out, problem);
                } else if (state == LINE) {
                    // One at a time: the request is handled before the gate is asked again.
                    out.add(emit(in, lineLength));
                    return;
                }
            } else {
                int total = lineLength + dataLength + 2;
                if (in.readableBytes() < total) {
                    return;
                }
                int end = in.readerIndex() + lineLength + dataLength;
                if (in.getByte(end) != '\r' || in.getByte(end + 1) != '\n') {
                    fail(out, "CLIENT_ERROR bad data chunk");
                } else {
                    out.add(emit(in, total));
                    return;
                }
            }
        }
        if (state == FAILED) {
            in.skipBytes(in.readableBytes());
        }
    }

    /** Tokenizes up to the end of the line; true once its LF has been seen. */
    private boolean scanLine(ByteBuf in) {
        final int base = in.readerIndex();
        final int avail = in.readableBytes();
        while (pos < avail) {
            if (pos >= lineLimit) {
                lineLength = -1;
                return true;
            }
            byte b = in.getByte(base + pos);
            if (b == '\n') {
                if (tokenStart >= 0) {
                    endToken(in, base, previousCr ? pos - 1 : pos);
                }
                lineLength = ++pos;
                return true;
            }
            if (b == ' ') {
                if (tokenStart >= 0) {
                    endToken(in, base, pos);
                }
            } else {
                if (b == 0) {
                    nul = true;
                }
                if (tokenStart < 0) {
                    tokenStart = pos;
                }
            }
            previousCr = b == '\r';
            pos++;
        }
        return false;
    }

    private void endToken(ByteBuf in, int base, int end) {
        if (end > tokenStart) {
            int i = 2 * tokenCount;
            if (i + 1 >= tokens.length) {
                tokens = java.util.Arrays.copyOf(tokens, tokens.length * 2);
            }
            tokens[i] = tokenStart;
            tokens[i + 1] = end - tokenStart;
            if (tokenCount++ == 0) {
                command = MemcacheCommand.lookup(in, base + tokenStart, end - tokenStart);
                if (command == MemcacheCommand.GET || command == MemcacheCommand.GETS) {
                    // Multi-gets may be long; memcached accepts them too.
                    lineLimit = maxRequestBytes;
                }
            }
        }
        tokenStart = -1;
    }

    /**
     * The line is complete: decides what follows. Returns a framing problem (the reply line), or
     * null with the state left at LINE (emit the line now) or set to DATA (a data block follows).
     */
    private String endOfLine(ByteBuf in) {
        if (lineLength < 0) {
            return "CLIENT_ERROR line too long";
        }
        final int base = in.readerIndex();
        if (tokenCount == 0) {
            error = "CLIENT_ERROR empty command line";
            return null;
        }
        if (command == null) {
            error = unknown(in, base);
            return null;
        }
        if (command.hasData()) {
            int lengthToken = command == MemcacheCommand.MS ? 2 : 4;
            long length = lengthToken < tokenCount ? decimal(in, base, lengthToken, Integer.MAX_VALUE - 2) : -1;
            if (length < 0) {
                return command == MemcacheCommand.MS
                    ? "CLIENT_ERROR bad data length.  Usage: " + usage(command)
                    : "CLIENT_ERROR bad command line format.  Usage: " + usage(command);
            }
            if (lineLength + length + 2 > maxRequestBytes) {
                return "SERVER_ERROR object too large for cache";
            }
            dataLength = (int) length;
            state = DATA;
        }
        error = nul ? "CLIENT_ERROR invalid NUL byte in command line" : validate(in, base);
        return null;
    }

    /** The error line for a request that must not be forwarded, or null. */
    private String validate(ByteBuf in, int base) {
        switch (command.type()) {
            case RETRIEVAL:
                return validateRetrieval(in, base);
            case STORAGE:
                return validateStorage(in, base);
            case KEYED:
                return validateKeyed(in, base);
            case META:
                return validateMeta(in, base);
            case UNSUPPORTED:
                return "CLIENT_ERROR command '" + command.lowerName() + "' is not supported through the proxy";
            default:
                return null; // version, quit, mn take anything after the name
        }
    }

    private String validateRetrieval(ByteBuf in, int base) {
        int first = 1;
        if (command == MemcacheCommand.GAT || command == MemcacheCommand.GATS) {
            if (tokenCount < 3) {
                return badFormat();
            }
            if (!isInt32(in, base, 1)) {
                return "CLIENT_ERROR invalid exptime argument";
            }
            first = 2;
        }
        if (tokenCount <= first) {
            return badFormat();
        }
        for (int i = first; i < tokenCount; i++) {
            String problem = checkKey(i);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** {@code <cmd> <key> <flags> <exptime> <bytes> [noreply]}, cas with {@code <cas unique>} before noreply. */
    private String validateStorage(ByteBuf in, int base) {
        int required = command == MemcacheCommand.CAS ? 6 : 5;
        if (tokenCount < required || tokenCount > required + 1) {
            return badFormat();
        }
        String problem = checkKey(1);
        if (problem != null) {
            return problem;
        }
        if (decimal(in, base, 2, 0xFFFFFFFFL) < 0) {
            return "CLIENT_ERROR invalid flags argument";
        }
        if (!isInt32(in, base, 3)) {
            return "CLIENT_ERROR invalid exptime argument";
        }
        if (command == MemcacheCommand.CAS && !isUint64(in, base, 5)) {
            return "CLIENT_ERROR invalid cas unique argument";
        }
        // As memcached: a last token beyond the required ones is noreply if it says so, else ignored.
        noReply = tokenCount == required + 1 && is(in, base, required, NOREPLY);
        return null;
    }

    private String validateKeyed(ByteBuf in, int base) {
        if (command == MemcacheCommand.DELETE) {
            // delete <key> [0] [noreply]: memcached still accepts the old "hold time" of 0.
            boolean ok;
            if (tokenCount == 2) {
                ok = true;
            } else if (tokenCount == 3) {
                noReply = is(in, base, 2, NOREPLY);
                ok = noReply || isZero(in, base, 2);
            } else {
                noReply = tokenCount == 4 && is(in, base, 3, NOREPLY);
                ok = noReply && isZero(in, base, 2);
            }
            if (!ok) {
                noReply = false;
                return badFormat();
            }
            return checkKey(1);
        }
        if (tokenCount < 3 || tokenCount > 4) {
            return badFormat();
        }
        String problem = checkKey(1);
        if (problem != null) {
            return problem;
        }
        if (command == MemcacheCommand.TOUCH) {
            if (!isInt32(in, base, 2)) {
                return "CLIENT_ERROR invalid exptime argument";
            }
        } else if (!isUint64(in, base, 2)) {
            return "CLIENT_ERROR invalid numeric delta argument";
        }
        noReply = tokenCount == 4 && is(in, base, 3, NOREPLY);
        return null;
    }

    /** {@code <cm> <key> <flags>*}, ms with {@code <datalen>} before the flags. */
    private String validateMeta(ByteBuf in, int base) {
        int firstFlag = command == MemcacheCommand.MS ? 3 : 2;
        if (tokenCount < 2) {
            return badFormat();
        }
        if (command == MemcacheCommand.MS && tokenCount > MAX_MS_TOKENS) {
            return "CLIENT_ERROR options flags too long";
        }
        String problem = checkKey(1);
        if (problem != null) {
            return problem;
        }
        if (command == MemcacheCommand.ME) {
            return null;
        }
        for (int i = firstFlag; i < tokenCount; i++) {
            byte flag = in.getByte(base + tokens[2 * i]);
            if (flag == 'q') {
                if (quietToken >= 0) {
                    quietToken = -1;
                    return "CLIENT_ERROR duplicate flag";
                }
                quietToken = i;
            } else if (flag == 'N' && command == MemcacheCommand.MA) {
                vivify = true;
            }
        }
        return null;
    }

    private String checkKey(int i) {
        int length = tokens[2 * i + 1];
        if (length > MAX_KEY_LENGTH) {
            return "CLIENT_ERROR key too long: " + length + " bytes, the limit is " + MAX_KEY_LENGTH;
        }
        return null;
    }

    private String badFormat() {
        return "CLIENT_ERROR bad command line format.  Usage: " + usage(command);
    }

    static String usage(MemcacheCommand c) {
        switch (c) {
            case GET: case GETS:
                return c.lowerName() + " <key>*";
            case GAT: case GATS:
                return c.lowerName() + " <exptime> <key>*";
            case CAS:
                return "cas <key> <flags> <exptime> <bytes> <cas unique> [noreply]";
            case INCR: case DECR:
                return c.lowerName() + " <key> <value> [noreply]";
            case DELETE:
                return "delete <key> [noreply]";
            case TOUCH:
                return "touch <key> <exptime> [noreply]";
            case MS:
                return "ms <key> <datalen> <flags>*";
            default:
                if (c.type() == MemcacheCommand.Type.STORAGE) {
                    return c.lowerName() + " <key> <flags> <exptime> <bytes> [noreply]";
                }
                return c.lowerName() + " <key> <flags>*";
        }
    }

    private String unknown(ByteBuf in, int base) {
        String name = printable(in, base + tokens[0], tokens[1]);
        String lower = name.toLowerCase(Locale.ROOT);
        boolean caseOnly = !lower.equals(name) && MemcacheCommand.lookup(
            Unpooled.wrappedBuffer(lower.getBytes(StandardCharsets.ISO_8859_1)), 0, lower.length()) != null;
        return "CLIENT_ERROR unknown command '" + name + "'" + (caseOnly ? " (command names are lowercase)" : "");
    }

    /** The value of token {@code i} if it is 1 to 20 decimal digits not above {@code max}, else -1. */
    private long decimal(ByteBuf in, int base, int i, long max) {
        int start = base + tokens[2 * i];
        int length = tokens[2 * i + 1];
        if (length > 19) {
            return -1;
        }
        long n = 0;
        for (int j = 0; j < length; j++) {
            byte b = in.getByte(start + j);
            if (b < '0' || b > '9') {
                return -1;
            }
            n = n * 10 + (b - '0');
        }
        return n <= max ? n : -1;
    }

    /** Token {@code i} is an int32 in decimal, optionally negative (exptime). */
    private boolean isInt32(ByteBuf in, int base, int i) {
        int start = base + tokens[2 * i];
        int length = tokens[2 * i + 1];
        boolean negative = length > 1 && in.getByte(start) == '-';
        int skip = negative ? 1 : 0;
        if (length - skip > 10) {
            return false;
        }
        long n = 0;
        for (int j = skip; j < length; j++) {
            byte b = in.getByte(start + j);
            if (b < '0' || b > '9') {
                return false;
            }
            n = n * 10 + (b - '0');
        }
        return negative ? -n >= Integer.MIN_VALUE : n <= Integer.MAX_VALUE;
    }

    /** Token {@code i} is an unsigned 64-bit number in decimal (cas unique, delta). */
    private boolean isUint64(ByteBuf in, int base, int i) {
        int start = base + tokens[2 * i];
        int length = tokens[2 * i + 1];
        if (length > 20) {
            return false;
        }
        long n = 0;
        for (int j = 0; j < length; j++) {
            byte b = in.getByte(start + j);
            if (b < '0' || b > '9') {
                return false;
            }
            int d = b - '0';
            // n * 10 + d must stay below 2^64.
            if (Long.compareUnsigned(n, Long.divideUnsigned(-1L - d, 10)) > 0) {
                return false;
            }
            n = n * 10 + d;
        }
        return true;
    }

    private boolean isZero(ByteBuf in, int base, int i) {
        return tokens[2 * i + 1] == 1 && in.getByte(base + tokens[2 * i]) == '0';
    }

    private boolean is(ByteBuf in, int base, int i, byte[] word) {
        if (tokens[2 * i + 1] != word.length) {
            return false;
        }
        int start = base + tokens[2 * i];
        for (int j = 0; j < word.length; j++) {
            if (in.getByte(start + j) != word[j]) {
                return false;
            }
        }
        return true;
    }

    private MemcacheRequest emit(ByteBuf in, int length) {
        boolean ok = error == null;
        MemcacheRequest request = new MemcacheRequest(in.readRetainedSlice(length), command, tokens, tokenCount,
            lineLength, ok && noReply, ok ? quietToken : -1, ok && vivify, error);
        reset();
        return request;
    }

    private void fail(List<Object> out, String line) {
        state = FAILED;
        out.add(new MemcacheProtocolError(line));
    }

    private void reset() {
        // The request owns the token positions now; a fresh small array also keeps the decoder
        // from holding on to the large one a get of many keys needed.
        tokens = new int[2 * INITIAL_TOKENS];
        tokenCount = 0;
        tokenStart = -1;
        pos = 0;
        previousCr = false;
        nul = false;
        command = null;
        lineLimit = MAX_LINE;
        lineLength = 0;
        dataLength = 0;
        noReply = false;
        quietToken = -1;
        vivify = false;
        error = null;
        state = LINE;
    }

    /** The name as sent, truncated, with anything that is not printable ASCII replaced by '?'. */
    private static String printable(ByteBuf in, int index, int length) {
        int n = Math.min(length, MAX_ECHOED);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            byte b = in.getByte(index + i);
            sb.append(b > 0x20 && b < 0x7f ? (char) b : '?');
        }
        return sb.toString();
    }

    /**
     * The bytes received but not yet framed into a request, for a connection that migrates:
     * nothing is consumed before a request is complete.
     */
    @Override
    public byte[] unparsedBytes() {
        if (state == FAILED) {
            return new byte[0];
        }
        ByteBuf pending = internalBuffer();
        byte[] out = new byte[pending.readableBytes()];
        pending.getBytes(pending.readerIndex(), out);
        return out;
    }
}
