package io.twd.tests.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.twd.tests.support.AdminClient;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Client connections move to the new process a few at a time (docs/handoff.md, "Client
 * migration"), each at its own request boundary. A connection whose reply is held up by a slow
 * backend cannot move until that reply is out; it must not hold up the connections behind it.
 *
 * <p>Pool S's backend, a real redis, is frozen (SIGSTOP) with a request outstanding on each of S's 8 clients, which connected first and so are
 * first in line, more than fill the turns. A change then moves pool A's 30 clients while S's wait;
 * once the backend is thawed and answers, S's clients get their replies and move too. Nothing is closed.
 */
class MoveTurnsTest {
    static final int SLOW_CLIENTS = 8;
    static final int CLIENTS = 30;

    @Test
    void connectionsWaitingForASlowBackendDoNotHoldUpTheOthers() throws Exception {
        try (RedisServer fast = RedisServer.start(); RedisServer slow = RedisServer.start()) {
            int portA = FreePorts.allocate();
            int portS = FreePorts.allocate();
            String yaml = String.join("\n",
                    "A:",
                    "  listen: 127.0.0.1:" + portA,
                    "  redis: true",
                    "  servers:",
                    "   - " + fast.serverLine(1, "fast"),
                    "S:",
                    "  listen: 127.0.0.1:" + portS,
                    "  redis: true",
                    "  servers:",
                    "   - " + slow.serverLine(1, "slow"),
                    "");
            List<Resp> slowClients = new ArrayList<>();
            List<Resp> clients = new ArrayList<>();
            try (LiveDaemon d = LiveDaemon.start(yaml, "--drain-timeout", "60")) {
                try {
                    for (int i = 0; i < SLOW_CLIENTS; i++) {
                        Resp c = Resp.connect(portS);
                        assertEquals("OK", c.call("SET", "turns:s" + i, "v" + i));
                        slowClients.add(c);
                    }
                    for (int i = 0; i < CLIENTS; i++) {
                        Resp c = Resp.connect(portA);
                        assertEquals("OK", c.call("SET", "turns:a" + i, "v" + i));
                        clients.add(c);
                    }
                    long oldPid = d.pid();
                    slow.process().signal("STOP");
                    for (int i = 0; i < SLOW_CLIENTS; i++) {
                        slowClients.get(i).send("GET", "turns:s" + i); // answered only once thawed
                    }

                    d.change("pool set A timeout=3000");

                    // Every client of A reaches the new process while S's still wait for their replies.
                    long deadline = System.currentTimeMillis() + 20_000;
                    long received = 0;
                    while (received < CLIENTS && System.currentTimeMillis() < deadline) {
                        received = clientsReceived(d, oldPid);
                        LiveDaemon.sleep(20);
                    }
                    assertEquals(CLIENTS, received, "clients received by the new process while S's backend"
                            + " is frozen (a turn held by a waiting connection would keep them until the 60 s"
                            + " drain deadline)");
                    assertEquals(List.of(), ProcNet.notHeldBy(d.pid(), portA, localPorts(clients)),
                            "A's connections held by the new process");
                    for (int i = 0; i < CLIENTS; i++) {
                        assertEquals("v" + i, clients.get(i).call("GET", "turns:a" + i));
                    }

                    slow.process().signal("CONT");
                    for (int i = 0; i < SLOW_CLIENTS; i++) {
                        assertEquals("v" + i, slowClients.get(i).read(), "S's reply, from the old process");
                    }
                    d.awaitExit(oldPid, 20_000);
                    assertEquals(List.of(), ProcNet.notHeldBy(d.pid(), portS, localPorts(slowClients)),
                            "S's connections held by the new process once their replies were out");
                    for (int i = 0; i < SLOW_CLIENTS; i++) {
                        assertEquals("v" + i, slowClients.get(i).call("GET", "turns:s" + i));
                    }
                    JsonObject last = AdminClient.json(d.admin("status")).getAsJsonObject("last_handoff");
                    assertEquals(CLIENTS + SLOW_CLIENTS, last.get("moved").getAsLong(), "report: " + last);
                    assertEquals(new JsonObject(), last.getAsJsonObject("closed"), "report: " + last);
                    assertNull(last.get("error"), "report: " + last);
                } finally {
                    slow.process().signal("CONT");
                    slowClients.forEach(Resp::close);
                    clients.forEach(Resp::close);
                }
            }
        }
    }

    /** The new process's count of connections received from {@code oldPid} so far. */
    private static long clientsReceived(LiveDaemon d, long oldPid) {
        JsonObject status = AdminClient.json(d.admin("status"));
        JsonArray draining = status.getAsJsonArray("draining");
        for (var e : draining) {
            JsonObject o = e.getAsJsonObject();
            if (o.get("pid").getAsLong() == oldPid) {
                return o.get("clients_received").getAsLong();
            }
        }
        JsonObject last = status.getAsJsonObject("last_handoff");
        return last != null && last.get("from_pid").getAsLong() == oldPid ? last.get("clients_received").getAsLong() : 0;
    }

    private static List<Integer> localPorts(List<Resp> conns) {
        return conns.stream().map(c -> c.socket().getLocalPort()).toList();
    }
}
