package io.twd.daemon.internal.proxy;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.LinkedHashSet;

/**
 * What one event loop keeps for itself: the connections written to since the last flush, so each
 * is flushed once per event-loop iteration rather than once per request or per read. Only its own
 * thread touches it.
 *
 * <p>The flush runs as a task, which Netty runs after it has handled every ready I/O event of the
 * iteration: with 50 clients ready at once, their 50 requests for one backend leave in a single
 * write (as twemproxy batches them), and a client whose replies come from both backends in one
 * iteration gets them in a single write too.
 */
final class LoopState {
    final int index;
    final EventLoop loop;
    private final ArrayList<ClientConnection> dirtyClients = new ArrayList<>();
    private final ArrayList<ServerConnection> dirtyServers = new ArrayList<>();
    /** Open client connections, so a handoff can move or drain every one of them. */
    final LinkedHashSet<ClientConnection> clients = new LinkedHashSet<>();
    private final Runnable flushTask = this::flushAll;
    private boolean flushScheduled;

    LoopState(int index, EventLoop loop) {
        this.index = index;
        this.loop = loop;
    }

    void markDirty(ClientConnection client) {
        if (!client.dirty) {
            client.dirty = true;
            dirtyClients.add(client);
            scheduleFlush();
        }
    }

    void markDirty(ServerConnection server) {
        if (!server.dirty) {
            server.dirty = true;
            dirtyServers.add(server);
            scheduleFlush();
        }
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    /** End of the loop iteration: requests to the backends first, then the replies to clients. */
    private void flushAll() {
        flushScheduled = false;
        flushServers();
        flushClients();
    }

    /** Sends what the clients asked of the backends. */
    void flushServers() {
        ArrayList<ServerConnection> list = dirtyServers;
        for (int i = 0; i < list.size(); i++) {
            ServerConnection s = list.get(i);
            s.dirty = false;
            s.flush();
        }
        list.clear();
    }

    /** Sends the replies completed so far; also used at once when a backend fails. */
    void flushClients() {
        ArrayList<ClientConnection> list = dirtyClients;
        for (int i = 0; i < list.size(); i++) {
            ClientConnection c = list.get(i);
            c.dirty = false;
            c.flush();
        }
        list.clear();
    }
}
