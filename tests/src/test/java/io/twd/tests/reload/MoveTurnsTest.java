package io.twd.tests.reload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.twd.tests.support.AdminClient;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Client connections move to the new process a few at a time (docs/handoff.md, "Client
 * migration"), each once its replies are out. A connection that cannot get there soon must not
 * hold up the connections behind it; it moves when it can.
 *
 * <p>In each test 8 such connections opened first, so they are first in line and more than fill
 * the turns; then 30 ordinary clients of pool A. A change must move all 30 while the 8 are held
 * up; once they are not, the 8 move too, and nothing is closed. Without the rule that a turn
 * not done within 50 ms lets everyone left move at once, the 30 would wait for the 60 s drain
 * deadline.
 */
class MoveTurnsTest {
    static final int HELD_UP = 8;
    static final int CLIENTS = 30;

    /** Pool S's backend, a real redis, frozen (SIGSTOP) with a request outstanding on each of S's clients. */
    @Test
    void connectionsWaitingForASlowBackendDoNotHoldUpTheOthers() throws Exception {
        try (RedisServer fast = RedisServer.start(); RedisServer slow = RedisServer.start()) {
            int portA = FreePorts.allocate();
            int portS = FreePorts.allocate();
            String yaml = twoPools(portA, fast, portS, slow);
            List<Resp> held = new ArrayList<>();
            List<Resp> clients = new ArrayList<>();
            try (LiveDaemon d = LiveDaemon.start(yaml, "--drain-timeout", "60")) {
                try {
                    for (int i = 0; i < HELD_UP; i++) {
                        held.add(connectAndSet(portS, "turns:s" + i, "v" + i));
                    }
                    for (int i = 0; i < CLIENTS; i++) {
                        clients.add(connectAndSet(portA, "turns:a" + i, "v" + i));
                    }
                    long oldPid = d.pid();
                    slow.process().signal("STOP");
                    for (int i = 0; i < HELD_UP; i++) {
                        held.get(i).send("GET", "turns:s" + i); // answered only once thawed
                    }

                    d.change("pool set A timeout=3000");
                    awaitTheOthersMoved(d, oldPid, portA, clients, "S's backend is frozen");

                    slow.process().signal("CONT");
                    for (int i = 0; i < HELD_UP; i++) {
                        assertEquals("v" + i, held.get(i).read(), "S's reply, from the old process");
                    }
                    awaitAllMoved(d, oldPid, portS, held);
                } finally {
                    slow.process().signal("CONT");
                    held.forEach(Resp::close);
                    clients.forEach(Resp::close);
                }
            }
        }
    }

    /**
     * S's clients each send a pipeline of GETs whose replies (4 MB) are more than the sockets
     * can hold, and do not read them: their replies cannot all be written until they read.
     */
    @Test
    void clientsThatDoNotReadTheirRepliesDoNotHoldUpTheOthers() throws Exception {
        try (RedisServer fast = RedisServer.start(); RedisServer other = RedisServer.start()) {
            int portA = FreePorts.allocate();
            int portS = FreePorts.allocate();
            String yaml = twoPools(portA, fast, portS, other);
            byte[] big = new byte[256 * 1024];
            Arrays.fill(big, (byte) 'x');
            int gets = 16;
            List<Resp> held = new ArrayList<>();
            List<Resp> clients = new ArrayList<>();
            try (LiveDaemon d = LiveDaemon.start(yaml, "--drain-timeout", "60")) {
                try {
                    for (int i = 0; i < HELD_UP; i++) {
                        Resp c = Resp.connect(portS);
                        c.send("SET".getBytes(), ("turns:big" + i).getBytes(), big);
                        assertEquals("OK", c.read());
                        held.add(c);
                    }
                    for (int i = 0; i < CLIENTS; i++) {
                        clients.add(connectAndSet(portA, "turns:a" + i, "v" + i));
                    }
                    long oldPid = d.pid();
                    for (int i = 0; i < HELD_UP; i++) {
                        byte[] one = Resp.encode("GET", "turns:big" + i);
                        byte[] pipeline = new byte[one.length * gets];
                        for (int k = 0; k < gets; k++) {
                            System.arraycopy(one, 0, pipeline, k * one.length, one.length);
                        }
                        held.get(i).sendRaw(pipeline); // and read nothing yet
                    }
                    LiveDaemon.sleep(300); // the replies come back from redis and fill the sockets

                    d.change("pool set A timeout=3000");
                    awaitTheOthersMoved(d, oldPid, portA, clients, "S's clients do not read");

                    for (int i = 0; i < HELD_UP; i++) {
                        for (int k = 0; k < gets; k++) {
                            assertArrayEquals(big, held.get(i).readBulkBytes(), "S's reply " + k + " to client " + i);
                        }
                    }
                    awaitAllMoved(d, oldPid, portS, held);
                } finally {
                    held.forEach(Resp::close);
                    clients.forEach(Resp::close);
                }
            }
        }
    }

    private static String twoPools(int portA, RedisServer a, int portS, RedisServer s) {
        return String.join("\n",
                "A:",
                "  listen: 127.0.0.1:" + portA,
                "  redis: true",
                "  servers:",
                "   - " + a.serverLine(1, "a"),
                "S:",
                "  listen: 127.0.0.1:" + portS,
                "  redis: true",
                "  servers:",
                "   - " + s.serverLine(1, "s"),
                "");
    }

    private static Resp connectAndSet(int port, String key, String value) {
        Resp c = Resp.connect(port);
        assertEquals("OK", c.call("SET", key, value));
        return c;
    }

    /** Every client of A reaches the new process while the held-up ones cannot move. */
    private static void awaitTheOthersMoved(LiveDaemon d, long oldPid, int portA, List<Resp> clients, String why) {
        long deadline = System.currentTimeMillis() + 20_000;
        long received = 0;
        while (received < CLIENTS && System.currentTimeMillis() < deadline) {
            received = clientsReceived(d, oldPid);
            LiveDaemon.sleep(20);
        }
        assertEquals(CLIENTS, received, "clients received by the new process while " + why
                + " (a turn held by a connection that cannot move would keep them until the 60 s drain deadline)");
        assertEquals(List.of(), ProcNet.notHeldBy(d.pid(), portA, localPorts(clients)),
                "A's connections held by the new process");
        for (int i = 0; i < CLIENTS; i++) {
            assertEquals("v" + i, clients.get(i).call("GET", "turns:a" + i));
        }
    }

    /** The held-up connections moved too once they could, and the handoff closed nothing. */
    private static void awaitAllMoved(LiveDaemon d, long oldPid, int portS, List<Resp> held) {
        d.awaitExit(oldPid, 20_000);
        assertEquals(List.of(), ProcNet.notHeldBy(d.pid(), portS, localPorts(held)),
                "S's connections held by the new process once their replies were out");
        for (int i = 0; i < held.size(); i++) {
            assertEquals("PONG", held.get(i).call("PING"), "served by the new process");
        }
        JsonObject last = AdminClient.json(d.admin("status")).getAsJsonObject("last_handoff");
        assertEquals(CLIENTS + HELD_UP, last.get("moved").getAsLong(), "report: " + last);
        assertEquals(new JsonObject(), last.getAsJsonObject("closed"), "report: " + last);
        assertNull(last.get("error"), "report: " + last);
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
