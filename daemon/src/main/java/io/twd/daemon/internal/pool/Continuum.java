package io.twd.daemon.internal.pool;

import io.twd.protocol.config.Distribution;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * A pool's server-selection ring: maps a key hash to the index of a live server, exactly as
 * twemproxy's {@code ketama}, {@code modula} and {@code random} distributions do
 * ({@code src/hashkit/nc_ketama.c}, {@code nc_modula.c}, {@code nc_random.c}).
 *
 * <p>A continuum is immutable; when a server is ejected or comes back, build a new one (twemproxy's
 * {@code server_pool_run}) and swap it in. Instances are thread-safe.
 *
 * <p>What stays with the caller, to match {@code server_pool_idx} / {@code server_pool_hash}:
 * <ul>
 *   <li>A pool with exactly one server never hashes or dispatches: it always uses server 0.
 *   <li>The hash of an empty key (after hash-tag extraction) is 0; the hash function is not run.
 *   <li>Without {@code auto_eject_hosts} every server is live, whatever its failures: pass
 *       {@code live = true} for all nodes.
 *   <li>When no server is live, {@link #serverIndex} returns -1; twemproxy then fails the request
 *       with ECONNREFUSED ({@code server_pool_update}).
 * </ul>
 */
public abstract sealed class Continuum permits KetamaContinuum, ModulaContinuum, RandomContinuum {

    /**
     * One server of the pool, as the distribution sees it.
     *
     * @param name the server's name (the optional name of the server line, else {@code host:port},
     *     or just {@code host} for port 11211); ketama hashes it, so it must be byte-exact
     * @param weight the configured weight, at least 1
     * @param live false while the server is ejected; ejected servers get no place in the ring
     */
    public record Node(String name, int weight, boolean live) {
        public Node {
            Objects.requireNonNull(name, "name");
            if (weight <= 0) {
                // twemproxy rejects a zero weight in the config and asserts weight > 0 here.
                throw new IllegalArgumentException("weight must be positive: " + weight);
            }
        }
    }

    /**
     * Builds the ring for {@code servers}, given in the pool's server index order (sorted by name,
     * as twemproxy sorts them before assigning indexes). The returned indexes refer to this list.
     */
    public static Continuum build(Distribution distribution, List<Node> servers) {
        Objects.requireNonNull(servers, "servers");
        return switch (distribution) {
            case KETAMA -> KetamaContinuum.create(servers);
            case MODULA -> ModulaContinuum.create(servers);
            case RANDOM -> RandomContinuum.create(servers);
        };
    }

    /**
     * The index (into the list given to {@link #build}) of the server for a key hash, or -1 when
     * no server is live. Only the low 32 bits of {@code hash} are used, as twemproxy's hash is a
     * uint32. The random distribution ignores the hash.
     */
    public abstract int serverIndex(long hash);

    /** The number of live servers this ring was built with. */
    public abstract int liveServerCount();

    /** True when no server is live, so every {@link #serverIndex} is -1. */
    public boolean isEmpty() {
        return liveServerCount() == 0;
    }

    /** Indexes of the live servers, ascending. */
    static int[] liveIndexes(List<Node> servers) {
        return IntStream.range(0, servers.size())
                .filter(i -> servers.get(i).live())
                .toArray();
    }
}
