package io.twd.daemon.internal.redis;

import io.netty.channel.ChannelHandler;
import io.twd.daemon.internal.DecoderFuzz;
import io.twd.daemon.internal.DecoderHarness.Item;
import java.util.Arrays;

/**
 * Fuzz targets for the RESP decoders, run by {@code ParsersPropertyTest} (generated inputs, in CI)
 * and by the Jazzer fuzz tests (coverage-guided, {@code -Pfuzz}). The first input byte seeds the
 * random chunking; the rest is what arrives on the socket.
 */
public final class RedisFuzzTargets {
    /** Small limits, so that fuzzed inputs cross them. */
    static final int MAX_KEY = 16;
    static final int MAX_ARGS = 8;
    static final int MAX_REQUEST = 300;
    /** A partial request, its headers' digits included. */
    static final int MAX_HELD = MAX_REQUEST + 32;

    private RedisFuzzTargets() {
    }

    private static String describe(Object o) {
        Item item = Harness.describe(o);
        return item.summary() + " | " + item.raw();
    }

    /**
     * Client requests: never an exception (bad input is a message), the same messages however the
     * input is cut and however often the gate closes, every buffer released, and never more than
     * one request (at most {@code MAX_REQUEST} bytes) held.
     */
    public static void requests(byte[] data) {
        if (data.length == 0) {
            return;
        }
        byte[] input = Arrays.copyOfRange(data, 1, data.length);
        DecoderFuzz.Run run = new DecoderFuzz.Run(
            () -> new ChannelHandler[] {new RedisRequestDecoder(MAX_KEY, MAX_ARGS, MAX_REQUEST)},
            RedisFuzzTargets::describe, false, MAX_HELD);
        DecoderFuzz.checkAllWays(run,
            gate -> new ChannelHandler[] {new RedisRequestDecoder(MAX_KEY, MAX_ARGS, MAX_REQUEST, gate)}, input, data[0]);
    }

    /**
     * Backend replies: only DecoderException for bad input, the same replies however the input is
     * cut, every buffer released.
     */
    public static void replies(byte[] data) {
        if (data.length == 0) {
            return;
        }
        byte[] input = Arrays.copyOfRange(data, 1, data.length);
        DecoderFuzz.Run run = new DecoderFuzz.Run(() -> new ChannelHandler[] {new RedisReplyDecoder()},
            RedisFuzzTargets::describe, true, -1);
        DecoderFuzz.checkAllWays(run, null, input, data[0]);
    }
}
