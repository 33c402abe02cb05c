package io.twd.daemon.internal.proxy;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.LinkedHashSet;

/**
 * What one event loop keeps for itself: the connections written to during the current read batch,
 * so each is flushed once per batch rather than once per request. Only its own thread touches it.
 */
final class LoopState {
    final int index;
    final EventLoop loop;
    private final ArrayList<ClientConnection> dirtyClients = new ArrayList<>();
    private final ArrayList<ServerConnection> dirtyServers = new ArrayList<>();
    /** Open client connections, so a handoff can move or drain every one of them. */
    final LinkedHashSet<ClientConnection> clients = new LinkedHashSet<>();

    LoopState(int index, EventLoop loop) {
        this.index = index;
        this.loop = loop;
    }

    void markDirty(ClientConnection client) {
        if (!client.dirty) {
            client.dirty = true;
            dirtyClients.add(client);
        }
    }

    void markDirty(ServerConnection server) {
        if (!server.dirty) {
            server.dirty = true;
            dirtyServers.add(server);
        }
    }

    /** End of a client read batch: send what it asked of the backends. */
    void flushServers() {
        ArrayList<ServerConnection> list = dirtyServers;
        for (int i = 0; i < list.size(); i++) {
            ServerConnection s = list.get(i);
            s.dirty = false;
            s.flush();
        }
        list.clear();
    }

    /** End of a backend read batch: send the replies it completed. */
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
