package io.twd.daemon.internal.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.twd.daemon.internal.DecoderFuzz;
import io.twd.protocol.admin.AdminLineReader;
import io.twd.protocol.admin.AdminSyntaxException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The daemon frames admin lines with Netty (AdminLineDecoder, StrictUtf8Decoder); twctl and the
 * protocol module's reference, AdminLineReader, with a plain loop. Both must cut the same bytes
 * into the same lines and refuse the same ones, however the bytes arrive.
 */
public final class AdminFramingFuzzTargets {
    private AdminFramingFuzzTargets() {
    }

    /** The first byte seeds the chunking; the rest is what the admin client sends. */
    public static void framing(byte[] data) {
        if (data.length == 0) {
            return;
        }
        byte[] input = Arrays.copyOfRange(data, 1, data.length);
        List<String> expected = reference(input, 65536);
        Random random = new Random(data[0]);
        int[] chunks = input.length < 8192 ? DecoderFuzz.split(input.length, random) : coarse(input.length, random);
        assertEquals(expected, daemon(input, 65536, chunks));
        assertEquals(expected, daemon(input, 65536, new int[] {input.length}));
    }

    private static int[] coarse(int length, Random random) {
        List<Integer> sizes = new ArrayList<>();
        for (int left = length; left > 0; ) {
            int n = Math.min(left, 1 + random.nextInt(8192));
            sizes.add(n);
            left -= n;
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<String> reference(byte[] input, int max) {
        List<String> lines = new ArrayList<>();
        AdminLineReader reader = new AdminLineReader(new ByteArrayInputStream(input));
        try {
            while (true) {
                try {
                    String line = reader.readLine();
                    if (line == null) {
                        return lines;
                    }
                    lines.add("line: " + line);
                } catch (AdminSyntaxException e) {
                    lines.add("error: " + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static List<String> daemon(byte[] input, int max, int[] chunks) {
        List<String> lines = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(new AdminLineDecoder(max), new StrictUtf8Decoder(max),
            new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    String line = (String) msg;
                    if (line == StrictUtf8Decoder.INVALID) {
                        lines.add("error: line is not valid UTF-8");
                    } else if (line == StrictUtf8Decoder.TOO_LONG) {
                        lines.add("error: line too long (limit " + max + " bytes)");
                    } else {
                        lines.add("line: " + line);
                    }
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    if (!(cause instanceof TooLongFrameException)) {
                        throw new AssertionError("unexpected " + cause, cause);
                    }
                    lines.add("error: line too long (limit " + max + " bytes)");
                }
            });
        int offset = 0;
        for (int n : chunks) {
            channel.writeInbound(Unpooled.wrappedBuffer(input, offset, n));
            offset += n;
        }
        channel.finishAndReleaseAll();
        return lines;
    }
}
