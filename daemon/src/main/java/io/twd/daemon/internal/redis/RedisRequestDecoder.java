package io.twd.daemon.internal.redis;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ByteProcessor;
import io.twd.daemon.internal.proxy.ClientRequestDecoder;
import io.twd.daemon.internal.proxy.RequestGate;

import java.util.Arrays;
import java.util.List;

/**
 * Frames client requests (RESP arrays of bulk strings) into {@link RedisRequest}s.
 *
 * <p>Nothing is copied: each request is a retained slice of the cumulation buffer, so the engine
 * forwards exactly the bytes the client sent. Nothing is consumed until a request is complete,
 * which keeps every position relative to {@code in.readerIndex()} valid across calls even when
 * the cumulation buffer is replaced; the scan resumes where it stopped, so input arriving a byte
 * at a time costs no rescanning, and bulk payloads are skipped by their length, never scanned.
 *
 * <p>A request that is well-framed but unacceptable (unknown or unsupported command, wrong
 * argument count, key too long, bad EVAL numkeys) is still emitted, with {@link RedisRequest#error()}
 * set. Input that cannot be framed produces one {@link RedisProtocolError}, after which all
 * further input is discarded.
 *
 * <p>Requests come out one per {@link #decode} call, and before each the {@link RequestGate} is
 * asked whether the connection takes another: if not, the bytes stay here unparsed (at most what
 * one read brought, since the connection stops reading) until the connection asks again. The
 * bytes held are thus at most one request, bounded by {@code maxRequestBytes}, plus one read.
 */
public final class RedisRequestDecoder extends ClientRequestDecoder {
    private static final int START = 0;
    private static final int COUNT = 1;
    private static final int COUNT_LF = 2;
    private static final int BULK_START = 3;
    private static final int BULK_LEN = 4;
    private static final int BULK_LEN_LF = 5;
    private static final int BULK_DATA = 6;
    private static final int FAILED = 7;

    // Outcomes of scan().
    private static final int MORE = 0;
    private static final int FRAMED = 1;
    private static final int EMPTY = 2;
    private static final int ERROR = 3;
    /** Not an outcome of scan(): the header scan stopped where a bulk payload starts. */
    private static final int AT_PAYLOAD = 4;

    /** A payload's terminator, as {@link ByteBuf#getShort} reads it. */
    private static final short CRLF = ('\r' << 8) | '\n';
    /** Enough for 2^31; more digits can only be padding or garbage. */
    private static final int MAX_DIGITS = 10;
    private static final int INITIAL_ARGS = 8;
    /** Unknown command names are echoed in errors like redis does, but not without bound. */
    private static final int MAX_ECHOED_NAME = 128;

    private final int maxKeyLength;
    private final int maxMultibulkLength;
    /** Clamped so that every position fits an int (a ByteBuf cannot hold more anyway). */
    private final int maxRequestBytes;
    private final RequestGate gate;

    private int state = START;
    /** Next byte to examine, relative to in.readerIndex(); the request starts at 0. */
    private int pos;
    /** The number being read from a {@code *N} or {@code $N} header, and its digit count. */
    private long value;
    private int digits;
    private int argc;
    private int argi;
    /** End of the current bulk payload (where its CRLF must be), relative like pos. */
    private int bulkEnd;
    /** Offset/length pairs of the payloads framed so far; handed to the request when it is complete. */
    private int[] args = new int[2 * INITIAL_ARGS];
    private String problem;
    /** Why the last header scan stopped. */
    private int outcome;
    private final ByteProcessor headerScanner = this::scanHeaderByte;
    private final byte[] nameScratch = new byte[RedisCommand.MAX_NAME];

    /**
     * @param maxKeyLength       longest accepted key, in bytes (checked on every key the command has)
     * @param maxMultibulkLength largest accepted element count of a request
     * @param maxRequestBytes    largest accepted request, in bytes
     */
    public RedisRequestDecoder(int maxKeyLength, int maxMultibulkLength, long maxRequestBytes) {
        this(maxKeyLength, maxMultibulkLength, maxRequestBytes, RequestGate.OPEN);
    }

    /** @param gate asked before each request whether the connection takes it now */
    public RedisRequestDecoder(int maxKeyLength, int maxMultibulkLength, long maxRequestBytes, RequestGate gate) {
        if (maxKeyLength < 0 || maxMultibulkLength < 1 || maxRequestBytes < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.maxKeyLength = maxKeyLength;
        this.maxMultibulkLength = maxMultibulkLength;
        this.maxRequestBytes = (int) Math.min(maxRequestBytes, Integer.MAX_VALUE - 8);
        this.gate = gate;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (state != FAILED && in.isReadable()) {
            if (state == START && !gate.acceptsRequests()) {
                return;
            }
            switch (scan(in)) {
                case FRAMED:
                    // One at a time: the request is handled before the gate is asked again.
                    out.add(finish(in));
                    return;
                case EMPTY:
                    // "*0\r\n" is a no-op for redis too: drop it and go on.
                    in.skipBytes(pos);
                    pos = 0;
                    state = START;
                    break;
                case ERROR:
                    state = FAILED;
                    out.add(new RedisProtocolError(problem));
                    break;
                default:
                    return;
            }
        }
        if (state == FAILED) {
            in.skipBytes(in.readableBytes());
        }
    }

    /**
     * Advances the scan over the bytes available; never consumes. Headers go through
     * {@link ByteBuf#forEachByte} (one bounds and liveness check per run of bytes, where getByte
     * pays both per byte: a tenth of the event loop's time at pipeline 16); payloads are skipped.
     */
    private int scan(ByteBuf in) {
        final int base = in.readerIndex();
        final int avail = in.readableBytes();
        while (pos < avail) {
            if (state == BULK_DATA) {
                if (avail - bulkEnd < 2) {
                    return MORE;
                }
                if (in.getShort(base + bulkEnd) != CRLF) {
                    return fail("bulk string is not followed by CRLF");
                }
                pos = bulkEnd + 2;
                if (++argi == argc) {
                    return FRAMED;
                }
                state = BULK_START;
                continue;
            }
            if (in.forEachByte(base + pos, avail - pos, headerScanner) < 0) {
                return MORE;
            }
            if (outcome != AT_PAYLOAD) {
                return outcome;
            }
        }
        return MORE;
    }

    /**
     * One header byte ({@code *N\r\n} or {@code $N\r\n}); {@code pos} follows along. Returns false
     * to stop the scan, with {@link #outcome} saying why: a payload starts, or a result.
     */
    private boolean scanHeaderByte(byte b) {
        pos++;
        switch (state) {
            case START:
                if (b != '*') {
                    return stop(fail(isRespType(b) ? "expected '*', got " + RedisReplies.show(b)
                            : "inline commands are not supported, send RESP arrays"));
                }
                value = 0;
                digits = 0;
                state = COUNT;
                return true;
            case COUNT:
                if (b == '\r' && digits > 0) {
                    state = COUNT_LF;
                } else if (!accumulate(b)) {
                    return stop(fail("invalid multibulk length"));
                } else if (value > maxMultibulkLength) {
                    return stop(fail("invalid multibulk length: more than " + maxMultibulkLength + " arguments"));
                }
                return true;
            case COUNT_LF:
                if (b != '\n') {
                    return stop(fail("invalid multibulk length"));
                }
                if (value == 0) {
                    return stop(EMPTY);
                }
                argc = (int) value;
                argi = 0;
                state = BULK_START;
                return true;
            case BULK_START:
                if (b != '$') {
                    return stop(fail("expected '$', got " + RedisReplies.show(b)));
                }
                value = 0;
                digits = 0;
                state = BULK_LEN;
                return true;
            case BULK_LEN:
                if (b == '\r' && digits > 0) {
                    state = BULK_LEN_LF;
                } else if (!accumulate(b)) {
                    return stop(fail("invalid bulk length"));
                }
                return true;
            case BULK_LEN_LF:
                if (b != '\n') {
                    return stop(fail("invalid bulk length"));
                }
                if (pos + value + 2 > maxRequestBytes) {
                    return stop(fail("request is larger than " + maxRequestBytes + " bytes"));
                }
                record(pos, (int) value);
                bulkEnd = pos + (int) value;
                state = BULK_DATA;
                return stop(AT_PAYLOAD);
            default:
                throw new IllegalStateException("state " + state);
        }
    }

    private boolean stop(int why) {
        outcome = why;
        return false;
    }

    private boolean accumulate(byte b) {
        if (b < '0' || b > '9' || ++digits > MAX_DIGITS) {
            return false;
        }
        value = value * 10 + (b - '0');
        return true;
    }

    private void record(int offset, int length) {
        int i = 2 * argi;
        if (i + 1 >= args.length) {
            args = Arrays.copyOf(args, args.length * 2);
        }
        args[i] = offset;
        args[i + 1] = length;
    }

    private int fail(String message) {
        problem = message;
        return ERROR;
    }

    /** Validates the framed request, consumes it and resets the scan for the next one. */
    private RedisRequest finish(ByteBuf in) {
        final int base = in.readerIndex();
        RedisCommand command = RedisCommand.lookup(in, base + args[0], args[1], nameScratch);
        String error = validate(in, base, command);
        int keyIndex = error == null ? command.arity().keyIndex() : -1;
        // The request gets a copy of just its positions; the decoder keeps its array, unless an
        // MGET of many keys grew it: then it goes back to the small one.
        RedisRequest request = new RedisRequest(in.readRetainedSlice(pos), command, argc,
            Arrays.copyOf(args, 2 * argc), keyIndex, error);
        if (args.length > 2 * INITIAL_ARGS) {
            args = new int[2 * INITIAL_ARGS];
        }
        pos = 0;
        state = START;
        return request;
    }

    /** Returns the error text for a request that must not be forwarded, or null. */
    private String validate(ByteBuf in, int base, RedisCommand command) {
        if (command == null) {
            return "unknown command '" + printable(in, base + args[0], args[1]) + "'";
        }
        if (!command.supported()) {
            return "command '" + command.lowerName() + "' is not supported through the proxy";
        }
        if (!command.acceptsArgCount(argc)) {
            return "wrong number of arguments for '" + command.lowerName() + "' command";
        }
        switch (command.arity()) {
            case ARG0: case ARG1: case ARG2: case ARG3: case ARGN:
                return checkKeys(1, 2, 1);
            case ARGX:
                return checkKeys(1, argc, 1);
            case ARGKVX:
                return checkKeys(1, argc, 2);
            case ARGEVAL:
                return validateEval(in, base, command);
            default:
                return null;
        }
    }

    /** {@code EVAL script numkeys key... arg...}: twd routes by the first key, so one is required. */
    private String validateEval(ByteBuf in, int base, RedisCommand command) {
        long numkeys = digits(in, base + args[4], args[5]);
        if (numkeys < 0) {
            return "invalid numkeys for '" + command.lowerName() + "'";
        }
        if (numkeys == 0) {
            return command.name() + " needs at least one key: twd routes scripts by their first key";
        }
        if (numkeys > argc - 3) {
            return "Number of keys can't be greater than number of args";
        }
        return checkKeys(3, 3 + (int) numkeys, 1);
    }

    /** The value of 1 to MAX_DIGITS decimal digits, or -1 for anything else (signs included). */
    private static long digits(ByteBuf in, int index, int length) {
        if (length == 0 || length > MAX_DIGITS) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < length; i++) {
            byte b = in.getByte(index + i);
            if (b < '0' || b > '9') {
                return -1;
            }
            n = n * 10 + (b - '0');
        }
        return n;
    }

    private String checkKeys(int from, int to, int step) {
        for (int i = from; i < to; i += step) {
            int length = args[2 * i + 1];
            if (length > maxKeyLength) {
                return "key too long: " + length + " bytes, the limit is " + maxKeyLength;
            }
        }
        return null;
    }

    private static boolean isRespType(byte b) {
        return b == '$' || b == '+' || b == '-' || b == ':';
    }

    /** The name as sent, truncated, with anything that is not printable ASCII replaced by '?'. */
    private static String printable(ByteBuf in, int index, int length) {
        int n = Math.min(length, MAX_ECHOED_NAME);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            byte b = in.getByte(index + i);
            sb.append(b >= 0x20 && b < 0x7f ? (char) b : '?');
        }
        return sb.toString();
    }

    /** The bytes received but not yet framed into a request, for a connection that migrates. */
    @Override
    public byte[] unparsedBytes() {
        ByteBuf pending = internalBuffer();
        byte[] out = new byte[pending.readableBytes()];
        pending.getBytes(pending.readerIndex(), out);
        return out;
    }
}
