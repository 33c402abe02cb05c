package io.twd.daemon.internal.pool;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * twemproxy's {@code random}: one slot per live server, weight ignored, and each request picks a
 * slot at random ({@code random() % nlive}); the key hash is never used.
 */
final class RandomContinuum extends Continuum {

    private final int[] liveServers;

    private RandomContinuum(int[] liveServers) {
        this.liveServers = liveServers;
    }

    static RandomContinuum create(List<Node> servers) {
        return new RandomContinuum(liveIndexes(servers));
    }

    @Override
    public int serverIndex(long hash) {
        if (liveServers.length == 0) {
            return -1;
        }
        return liveServers[ThreadLocalRandom.current().nextInt(liveServers.length)];
    }

    @Override
    public int liveServerCount() {
        return liveServers.length;
    }
}
