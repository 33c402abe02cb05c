package io.twd.daemon.internal.memcache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.twd.daemon.internal.proxy.Buffers;
import io.twd.daemon.internal.proxy.FramedRequest;

/**
 * One framed memcached request: the exact bytes received (command line and, for storage
 * commands, the data block) plus where each token of the command line lies in them.
 */
public final class MemcacheRequest extends FramedRequest {
    private final MemcacheCommand command;
    /** Offset/length pairs of the tokens, relative to raw's reader index; may be longer than needed. */
    private final int[] tokens;
    private final int tokenCount;
    private final int lineLength;
    private final boolean noReply;
    private final int quietToken;
    private final boolean vivify;
    private final String error;

    MemcacheRequest(ByteBuf raw, MemcacheCommand command, int[] tokens, int tokenCount, int lineLength,
            boolean noReply, int quietToken, boolean vivify, String error) {
        super(raw);
        this.command = command;
        this.tokens = tokens;
        this.tokenCount = tokenCount;
        this.lineLength = lineLength;
        this.noReply = noReply;
        this.quietToken = quietToken;
        this.vivify = vivify;
        this.error = error;
    }

    /** The command; null only for an unknown command or an empty line, when {@link #error()} is set. */
    public MemcacheCommand command() {
        return command;
    }

    /** Tokens on the command line, the command name included. */
    public int tokenCount() {
        return tokenCount;
    }

    /** Position of token {@code i}, relative to {@code raw().readerIndex()}. */
    public int tokenOffset(int i) {
        checkToken(i);
        return tokens[2 * i];
    }

    public int tokenLength(int i) {
        checkToken(i);
        return tokens[2 * i + 1];
    }

    /** Token {@code i} as a slice of {@link #raw()}; not retained, valid while this request is. */
    public ByteBuf token(int i) {
        checkToken(i);
        return raw.slice(raw.readerIndex() + tokens[2 * i], tokens[2 * i + 1]);
    }

    /** Index of the first key token: 2 for gat/gats, 1 for the other keyed commands. */
    public int firstKey() {
        return command == MemcacheCommand.GAT || command == MemcacheCommand.GATS ? 2 : 1;
    }

    /** Number of keys: all tokens from {@link #firstKey()} for retrieval commands, else 1 or 0. */
    public int keyCount() {
        switch (command.type()) {
            case RETRIEVAL:
                return tokenCount - firstKey();
            case STORAGE: case KEYED: case META:
                return 1;
            default:
                return 0;
        }
    }

    /** Bytes of the command line with its line ending; a data block, if any, follows. */
    public int lineLength() {
        return lineLength;
    }

    /** Classic {@code noreply}: memcached sends nothing back, so neither does the proxy. */
    public boolean noReply() {
        return noReply;
    }

    /** Index of a meta command's {@code q} flag token, or -1 when the request is not quiet. */
    public int quietToken() {
        return quietToken;
    }

    /** An {@code ma} with the {@code N} (auto-create) flag. */
    public boolean vivify() {
        return vivify;
    }

    /**
     * Non-null when the request is framed but must be answered by the proxy and not forwarded:
     * the whole reply line without its CRLF, e.g. {@code CLIENT_ERROR key too long ...}.
     */
    public String error() {
        return error;
    }

    /**
     * The request with token {@code skip} left out of its command line (the data block, if any,
     * is shared, not copied): how a quiet meta command is sent without its {@code q} flag.
     */
    public ByteBuf withoutToken(ByteBufAllocator alloc, int skip) {
        checkToken(skip);
        int base = raw.readerIndex();
        ByteBuf line = alloc.buffer(lineLength);
        for (int i = 0; i < tokenCount; i++) {
            if (i != skip) {
                if (line.isReadable()) {
                    line.writeByte(' ');
                }
                Buffers.append(line, raw, base + tokens[2 * i], tokens[2 * i + 1]);
            }
        }
        line.writeByte('\r').writeByte('\n');
        int dataBytes = raw.readableBytes() - lineLength;
        if (dataBytes == 0) {
            return line;
        }
        CompositeByteBuf out = alloc.compositeBuffer(2);
        out.addComponent(true, line);
        out.addComponent(true, raw.retainedSlice(base + lineLength, dataBytes));
        return out;
    }

    private void checkToken(int i) {
        if (i < 0 || i >= tokenCount) {
            throw new IndexOutOfBoundsException("token " + i + " of " + tokenCount);
        }
    }

    @Override
    public String toString() {
        String name = command != null ? command.lowerName() : "?";
        return "MemcacheRequest(" + name + ", tokens=" + tokenCount + (error != null ? ", " + error : "") + ')';
    }
}
