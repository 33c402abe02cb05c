package io.twd.daemon.internal.redis;

import io.netty.buffer.ByteBuf;
import io.twd.daemon.internal.proxy.FramedRequest;

/**
 * One framed client request: the exact bytes received plus where each bulk argument's payload
 * lies in them.
 */
public final class RedisRequest extends FramedRequest {
    private final RedisCommand command;
    private final int argCount;
    /** Offset/length pairs of the argument payloads, relative to raw's reader index. */
    private final int[] args;
    private final int keyIndex;
    private final String error;

    RedisRequest(ByteBuf raw, RedisCommand command, int argCount, int[] args, int keyIndex, String error) {
        super(raw);
        this.command = command;
        this.argCount = argCount;
        this.args = args;
        this.keyIndex = keyIndex;
        this.error = error;
    }

    /** The command; null only for an unknown command, in which case {@link #error()} is set. */
    public RedisCommand command() {
        return command;
    }

    /** Number of multibulk elements, the command name included. */
    public int argCount() {
        return argCount;
    }

    /** Position of argument {@code i}'s payload (0 = command name), relative to {@code raw().readerIndex()}. */
    public int argOffset(int i) {
        checkArg(i);
        return args[2 * i];
    }

    /** Payload length of argument {@code i}. */
    public int argLength(int i) {
        checkArg(i);
        return args[2 * i + 1];
    }

    /** Argument {@code i}'s payload as a slice of {@link #raw()}; not retained, valid while this request is. */
    public ByteBuf arg(int i) {
        checkArg(i);
        return raw.slice(raw.readerIndex() + args[2 * i], args[2 * i + 1]);
    }

    /**
     * Index of the routing key argument: 1 for most commands, 3 for EVAL/EVALSHA, -1 for commands
     * without a key (PING, COMMAND, LOLWUT, ...) and for requests with an {@link #error()}.
     */
    public int keyIndex() {
        return keyIndex;
    }

    /**
     * Non-null when the request is well-framed but must be answered {@code -ERR <error>} without
     * being forwarded; the connection stays usable.
     */
    public String error() {
        return error;
    }

    private void checkArg(int i) {
        if (i < 0 || i >= argCount) {
            throw new IndexOutOfBoundsException("argument " + i + " of " + argCount);
        }
    }

    @Override
    public String toString() {
        String name = command != null ? command.lowerName() : "?";
        return "RedisRequest(" + name + ", args=" + argCount + (error != null ? ", error=" + error : "") + ')';
    }
}
