package io.twd.daemon.internal.pool;

import java.util.List;

/**
 * twemproxy's {@code modula}: one slot per unit of weight of each live server, in server index
 * order, and a key goes to slot {@code hash % totalLiveWeight}. So with weights 1 and 3, slot 0 is
 * server 0 and slots 1-3 are server 1.
 *
 * <p>twemproxy materialises the slots; this keeps only the cumulative weights and searches them,
 * which gives the same answer without an array as large as the total weight.
 */
final class ModulaContinuum extends Continuum {

    private final int[] liveServers;
    /** slotEnds[i] = total weight of liveServers[0..i], i.e. the exclusive end of server i's slots. */
    private final long[] slotEnds;
    private final long totalWeight;

    private ModulaContinuum(int[] liveServers, long[] slotEnds) {
        this.liveServers = liveServers;
        this.slotEnds = slotEnds;
        this.totalWeight = slotEnds.length == 0 ? 0 : slotEnds[slotEnds.length - 1];
    }

    static ModulaContinuum create(List<Node> servers) {
        int[] live = liveIndexes(servers);
        long[] ends = new long[live.length];
        long total = 0;
        for (int i = 0; i < live.length; i++) {
            total += servers.get(live[i]).weight();
            ends[i] = total;
        }
        return new ModulaContinuum(live, ends);
    }

    @Override
    public int serverIndex(long hash) {
        if (totalWeight == 0) {
            return -1;
        }
        long slot = (hash & 0xffffffffL) % totalWeight;
        // First server whose slot range ends after `slot`.
        int low = 0;
        int high = slotEnds.length - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (slotEnds[middle] <= slot) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return liveServers[low];
    }

    @Override
    public int liveServerCount() {
        return liveServers.length;
    }
}
