package io.twd.protocol.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Where the generated inputs of ProtocolPropertyTest start, and the Jazzer tests' seeds. */
public final class ProtocolFuzzSeeds {
    private ProtocolFuzzSeeds() {
    }

    private static List<byte[]> utf8(List<String> texts) {
        List<byte[]> out = new ArrayList<>();
        for (String t : texts) {
            out.add(t.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    public static List<byte[]> adminLines() {
        return utf8(List.of(
            "ping", "help", "help pool add", "status", "pool list", "pool show alpha", "stats", "quit",
            "pool add beta listen=127.0.0.1:22122 redis=true server=10.0.0.1:6379:1 server=\"10.0.0.2:6379:1 r2\"",
            "pool set alpha timeout=400 server+=10.0.0.3:6379:1 server-=10.0.0.1:6379",
            "pool set alpha redis_auth=\"a b\\\"c\\\\d\\n\\t\" hash_tag={}", "pool del alpha", "reload", "upgrade",
            "config check /etc/twd.yml", "config show", "config check \"\"", "  ping  \t", "ping \"x",
            "pool show a\\ b", "pool add \u00e9 listen=x", "help frob\r\n", "ping\nstatus\n"));
    }

    public static List<byte[]> configFiles() {
        return utf8(List.of(
            String.join("\n",
                "# a comment",
                "alpha:",
                "  listen: 127.0.0.1:22121",
                "  hash: fnv1a_64",
                "  hash_tag: \"{}\"",
                "  distribution: ketama",
                "  auto_eject_hosts: true",
                "  redis: true",
                "  redis_auth: \"p w\"",
                "  server_retry_timeout: 2000",
                "  server_failure_limit: 1",
                "  servers:",
                "   - 127.0.0.1:6379:1 r1",
                "   - 127.0.0.1:6380:1",
                "beta:",
                "  listen: /tmp/beta.sock 0660",
                "  timeout: 400",
                "  servers:",
                "   - /tmp/mc.sock:2 m1",
                "   - 'host.example:11211:1'",
                ""),
            "alpha:\n  listen: :22121\n  servers:\n   - ::1:6379:1\n",
            "a:\n  listen: 0.0.0.0:1\n  preconnect: true\n  client_connections: 10\n  servers:\n  - x:1:1\n",
            "---\na: b\n", "a: &x\n  listen: 1\nb: *x\n", "a: {listen: 1}\n", "a:\n  servers: [x:1:1]\n",
            "a:\n  listen: 1:2\n  listen: 1:3\n", "\ta:\n", "a: !!str x\n", "a:\n  - x\n", ""));
    }
}
