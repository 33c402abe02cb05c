package io.twd.protocol.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A whole configuration: the pools, checked against each other and sorted by name in
 * {@link NameOrder}, as nutcracker sorts them. Immutable; the {@code with…} methods return a
 * new, revalidated configuration.
 */
public final class TwdConfig {
    private final List<PoolConfig> pools;

    private TwdConfig(List<PoolConfig> sortedPools) {
        this.pools = List.copyOf(sortedPools);
    }

    /**
     * Checks the rules across pools: at least one pool, unique names, no two pools on the same
     * address. Errors name the pools in the order given.
     *
     * @throws IllegalArgumentException if a rule is broken
     */
    public static TwdConfig of(List<PoolConfig> pools) {
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("no pools are configured");
        }
        Set<String> names = new HashSet<>();
        for (PoolConfig pool : pools) {
            if (!names.add(pool.name())) {
                throw new RuleViolation(pool.name(), null, "duplicate pool '" + pool.name() + "'");
            }
        }
        for (int i = 0; i < pools.size(); i++) {
            for (int j = 0; j < i; j++) {
                PoolConfig earlier = pools.get(j);
                PoolConfig later = pools.get(i);
                if (earlier.listen().sameEndpoint(later.listen())) {
                    throw new RuleViolation(later.name(), "listen", "pools '" + earlier.name() + "' and '"
                            + later.name() + "' listen on the same address '" + later.listen().text() + "'");
                }
            }
        }
        List<PoolConfig> sorted = new ArrayList<>(pools);
        sorted.sort((a, b) -> NameOrder.INSTANCE.compare(a.name(), b.name()));
        return new TwdConfig(sorted);
    }

    /** Sorted by name in {@link NameOrder}. */
    public List<PoolConfig> pools() {
        return pools;
    }

    public Optional<PoolConfig> pool(String name) {
        return pools.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** Adds the pool, or replaces the one with the same name. */
    public TwdConfig withPool(PoolConfig pool) {
        List<PoolConfig> next = new ArrayList<>(pools);
        next.removeIf(p -> p.name().equals(pool.name()));
        next.add(pool);
        return of(next);
    }

    /** @throws IllegalArgumentException if there is no such pool, or it is the last one */
    public TwdConfig withoutPool(String name) {
        List<PoolConfig> next = new ArrayList<>(pools);
        if (!next.removeIf(p -> p.name().equals(name))) {
            throw new IllegalArgumentException("no pool '" + name + "'");
        }
        return of(next);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TwdConfig other && pools.equals(other.pools);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pools);
    }

    @Override
    public String toString() {
        return "TwdConfig" + pools;
    }
}
