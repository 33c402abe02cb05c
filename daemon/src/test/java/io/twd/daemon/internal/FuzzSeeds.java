package io.twd.daemon.internal;

import static io.twd.protocol.fuzz.Mutator.bytes;

import io.twd.daemon.internal.memcache.ReplyKind;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Valid (and a few classic invalid) inputs for each fuzz target: where the generated inputs of
 * ParsersPropertyTest start from, and the seeds of the Jazzer tests ({@code @MethodSource}).
 */
public final class FuzzSeeds {
    private FuzzSeeds() {
    }

    /** Decoder targets take a first byte that seeds their chunking. */
    private static List<byte[]> withSeedByte(List<String> texts) {
        List<byte[]> out = new ArrayList<>();
        int i = 0;
        for (String t : texts) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.write(i++);
            b.writeBytes(bytes(t));
            out.add(b.toByteArray());
        }
        return out;
    }

    private static String req(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString();
    }

    public static List<byte[]> redisRequests() {
        return withSeedByte(List.of(
            req("PING"), req("GET", "key"), req("SET", "key", "value"), req("SET", "k", "v", "EX", "10", "NX"),
            req("MGET", "a", "b", "c"), req("MSET", "a", "1", "b", "2"), req("DEL", "a", "b"),
            req("EVAL", "return 1", "1", "k"), req("EVAL", "x", "0"), req("AUTH", "pw"), req("QUIT"),
            req("SELECT", "1"), req("unknown-command", "x"), req("GET", "k".repeat(20)), req("GET"),
            "*0\r\n", "PING\r\n", "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI",
            req("SET", "k", "v".repeat(280)), "*9\r\n", "*2\r\n$3\r\nGET\r\n$-1\r\n"));
    }

    public static List<byte[]> redisReplies() {
        return withSeedByte(List.of(
            "+OK\r\n", "-ERR unknown command 'x'\r\n", ":42\r\n", ":-1\r\n", "$3\r\nfoo\r\n", "$0\r\n\r\n",
            "$-1\r\n", "*-1\r\n", "*0\r\n", "*2\r\n$1\r\na\r\n$-1\r\n", "*2\r\n*1\r\n:1\r\n*0\r\n",
            "_\r\n", ",3.14\r\n", "#t\r\n", "(123456789012345678901\r\n", "!3\r\nerr\r\n", "=7\r\ntxt:abc\r\n",
            "%1\r\n+k\r\n:1\r\n", "~2\r\n:1\r\n:2\r\n", ">2\r\n+m\r\n+x\r\n", "+PONG\r\n+OK\r\n:1\r\n"));
    }

    public static List<byte[]> memcacheRequests() {
        return withSeedByte(List.of(
            "get a\r\n", "get a b c\r\n", "gets k\r\n", "gat 10 a b\r\n", "gats 0 k\r\n",
            "set k 0 0 5\r\nhello\r\n", "add k 1 2 1 noreply\r\nx\r\n", "cas k 0 0 1 99\r\nx\r\n",
            "append k 0 0 0\r\n\r\n", "incr k 5\r\n", "decr k 1 noreply\r\n", "delete k\r\n",
            "delete k 0 noreply\r\n", "touch k 10\r\n", "mg k v t q\r\n", "ms k 2 T0 q\r\nhi\r\n",
            "md k q\r\n", "ma k N10 q\r\n", "me k\r\n", "mn\r\n", "version\r\n", "quit\r\n", "stats\r\n",
            "GET k\r\n", "\r\n", "set k 0 0 x\r\n", "get " + "k".repeat(300) + "\r\n", "set k 0 0 5\r\nhelloXX"));
    }

    /** Byte 1: requests in flight minus one; then their kinds; then the server's bytes. */
    public static List<byte[]> memcacheReplies() {
        String[][] cases = {
            {"RETRIEVAL", "VALUE a 0 1\r\nx\r\nEND\r\n"},
            {"RETRIEVAL", "VALUE a 0 1 77\r\nx\r\nVALUE bb 5 3\r\nyyy\r\nEND\r\n"},
            {"RETRIEVAL", "END\r\n"},
            {"LINE", "STORED\r\n"},
            {"LINE", "SERVER_ERROR out of memory\r\n"},
            {"META", "VA 2 f0\r\nhi\r\n"},
            {"META", "HD\r\n"},
            {"QUIET_MISS", "EN\r\n"},
            {"QUIET_SUCCESS", "HD\r\n"},
            {"QUIET_ARITHMETIC", "VA 1\r\n5\r\n"},
            {"RETRIEVAL", "ERROR\r\n"},
        };
        List<String> texts = new ArrayList<>();
        for (String[] c : cases) {
            // two requests of the same kind, one reply each
            char kind = (char) ReplyKind.valueOf(c[0]).ordinal();
            texts.add((char) 1 + "" + kind + kind + c[1] + c[1]);
        }
        return withSeedByte(texts);
    }

    public static List<byte[]> adminFraming() {
        List<String> texts = new ArrayList<>(List.of(
            "ping\n", "ping\r\n", "ping\r\r\n", "\n\n", "pool show a\nstatus\n", "no end",
            "caf\u00c3\u00a9\n", "bad \u00c3\u0028\n", "\u00ff\u00fe\n", "x\ry\n", "\u0000\n"));
        // Around the 65536-byte limit: the longest line, one more, with and without CR.
        texts.add("x".repeat(65536) + "\r\n");
        texts.add("x".repeat(65537) + "\nping\n");
        return withSeedByte(texts);
    }

    public static List<byte[]> adminPoolChanges() {
        List<byte[]> seeds = new ArrayList<>();
        for (String line : List.of(
                "pool set alpha timeout=400 hash=murmur distribution=modula",
                "pool set alpha redis_auth=\"p\\\"w: #x\\n- y\" hash_tag=\"{}\"",
                "pool set alpha server+=\"127.0.0.1:6381:2 r3\" server-=r1",
                "pool set alpha server=127.0.0.1:7000:1 server=\"/tmp/r.sock:1 u\"",
                "pool set beta listen=/tmp/b.sock\\ 0600 client_connections=5 preconnect=true",
                "pool add gamma listen=127.0.0.1:22123 redis=true redis_db=3 server=\"10.0.0.1:6379:1 g1\"",
                "pool add delta listen=[::1]:22124 server=::1:11211:1 auto_eject_hosts=true server_retry_timeout=10",
                "pool del beta", "pool del alpha", "pool set beta hash_tag=\": \"")) {
            seeds.add(bytes(line));
        }
        return seeds;
    }
}
