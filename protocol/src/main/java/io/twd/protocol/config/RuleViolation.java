package io.twd.protocol.config;

/**
 * A pool-level or cross-pool rule that failed after every value was accepted (e.g. redis_auth on
 * a memcache pool, two pools on one address). It names the pool and key at fault so that the
 * YAML loader can point at the right line; other callers just see an IllegalArgumentException.
 */
final class RuleViolation extends IllegalArgumentException {
    private final String pool;
    private final String key;

    RuleViolation(String pool, String key, String message) {
        super(message);
        this.pool = pool;
        this.key = key;
    }

    String pool() {
        return pool;
    }

    /** The key to blame, or null when the pool as a whole is at fault. */
    String key() {
        return key;
    }
}
