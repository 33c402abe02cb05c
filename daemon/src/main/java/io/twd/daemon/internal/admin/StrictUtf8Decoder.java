package io.twd.daemon.internal.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Admin lines to Strings, refusing bytes that are not UTF-8 (docs/admin-protocol.md) rather than
 * replacing them with U+FFFD, which would let them into names, values and the config file.
 * A line that is not UTF-8 comes out as {@link #INVALID}, one over the limit as {@link #TOO_LONG};
 * the handler answers those. {@code AdminLineReader} is the reference for these rules.
 */
final class StrictUtf8Decoder extends MessageToMessageDecoder<ByteBuf> {
    /** Compared by identity: a lone surrogate, which decoding UTF-8 never yields. */
    static final String INVALID = new String("\uD800");
    static final String TOO_LONG = new String("\uDC00");

    private final int maxLineBytes;

    StrictUtf8Decoder(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf line, List<Object> out) {
        if (line.readableBytes() > maxLineBytes) {
            out.add(TOO_LONG);
            return;
        }
        try {
            out.add(StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(line.nioBuffer()).toString());
        } catch (CharacterCodingException e) {
            out.add(INVALID);
        }
    }
}
