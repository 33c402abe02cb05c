package io.twd.daemon.internal.handoff;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.util.CharsetUtil;

/**
 * The handoff protocol's framing: on the control connection, one message per line,
 * {@code VERB {json}}; on the fd connection, nothing but file descriptors (SCM_RIGHTS), after the
 * successor's single {@code FDS} line. See docs/handoff.md for the message sequence.
 */
final class HandoffWire {
    /** Names the predecessor's handoff socket in the successor's environment. */
    static final String SOCKET_ENV = "TWD_HANDOFF";
    /** Names the candidate config file the successor loads instead of -c (for pool add/set/del). */
    static final String CONFIG_ENV = "TWD_HANDOFF_CONFIG";

    static final String HELLO = "HELLO";
    static final String FDS = "FDS";
    static final String STATE = "STATE";
    static final String WANT = "WANT";
    static final String LISTENERS = "LISTENERS";
    static final String READY = "READY";
    static final String GO = "GO";
    static final String CONN = "CONN";
    static final String BYE = "BYE";
    static final String FAIL = "FAIL";
    /**
     * Successor to predecessor, after each connection it adopted ({@code {"n": count}}); only from
     * a successor whose HELLO said {@code "acks": true}. The predecessor keeps its listening
     * sockets until every connection it sent is adopted, so it can take serving back if the
     * successor dies before.
     */
    static final String ADOPTED = "ADOPTED";

    /** Control lines carry JSON only, never a client's bytes in bulk beyond a partial request. */
    static final int MAX_LINE = 64 * 1024 * 1024;

    private HandoffWire() {
    }

    static void addLineCodec(ChannelPipeline p) {
        p.addLast(new LineBasedFrameDecoder(MAX_LINE));
        p.addLast(new StringDecoder(CharsetUtil.UTF_8));
        p.addLast(new StringEncoder(CharsetUtil.UTF_8));
    }

    static ChannelFuture send(Channel ch, String verb, JsonObject body) {
        return ch.writeAndFlush(verb + " " + body + "\n");
    }

    record Message(String verb, JsonObject body) {
        static Message parse(String line) {
            int sp = line.indexOf(' ');
            String verb = sp < 0 ? line : line.substring(0, sp);
            JsonObject body = sp < 0 ? new JsonObject() : JsonParser.parseString(line.substring(sp + 1)).getAsJsonObject();
            return new Message(verb, body);
        }
    }
}
