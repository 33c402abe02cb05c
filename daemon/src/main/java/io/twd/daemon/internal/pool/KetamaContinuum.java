package io.twd.daemon.internal.pool;

import io.netty.buffer.Unpooled;
import io.twd.daemon.internal.hash.Md5;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * twemproxy's {@code ketama} consistent hashing ({@code ketama_update}, {@code ketama_dispatch}).
 *
 * <p>Each live server gets about 160 points, in proportion to its weight. Point group i of a server
 * is {@code md5("<name>-<i>")}, whose 16 bytes give 4 points (little-endian uint32 words). A key
 * hash goes to the first point at or above it, wrapping around to the lowest point.
 */
final class KetamaContinuum extends Continuum {

    static final int POINTS_PER_SERVER = 160;
    static final int POINTS_PER_HASH = 4;
    /** twemproxy formats point keys into a buffer of this size and hashes at most size - 1 bytes. */
    static final int MAX_HOSTLEN = 273;

    /** Point values, unsigned, ascending. */
    private final int[] pointValues;
    /** pointServers[i] = server index owning pointValues[i]. */
    private final int[] pointServers;
    private final int liveServerCount;
    /**
     * Where to start looking, by the hash's top {@link #BUCKET_BITS} bits: {@code bucketStart[b]}
     * is the first point at or above {@code b << (32 - BUCKET_BITS)}. The lookup then searches only
     * between two neighbouring entries (160 points per server: under one point per bucket up to 6
     * servers, a handful for dozens) instead of the whole ring (9-12 steps of unpredictable
     * branches for 2-16 servers: a twentieth of the event loop's time in a profile).
     */
    private final int[] bucketStart;

    private static final int BUCKET_BITS = 10;

    private KetamaContinuum(int[] pointValues, int[] pointServers, int liveServerCount) {
        this.pointValues = pointValues;
        this.pointServers = pointServers;
        this.liveServerCount = liveServerCount;
        this.bucketStart = new int[(1 << BUCKET_BITS) + 1];
        for (int b = 0; b < 1 << BUCKET_BITS; b++) {
            bucketStart[b] = lowerBound(b << (32 - BUCKET_BITS), 0, pointValues.length);
        }
        bucketStart[1 << BUCKET_BITS] = pointValues.length;
    }

    static KetamaContinuum create(List<Node> servers) {
        int[] live = liveIndexes(servers);
        long totalWeight = 0;
        for (int index : live) {
            totalWeight += servers.get(index).weight();
        }

        int[] pointsPerServer = new int[live.length];
        int pointCount = 0;
        for (int i = 0; i < live.length; i++) {
            pointsPerServer[i] = pointsPerServer(servers.get(live[i]).weight(), totalWeight, live.length);
            pointCount += pointsPerServer[i];
        }

        // Each point packed as value << 31 | serverIndex: a uint32 value shifted by 31 stays
        // positive, so a plain signed sort orders by value, then by server index.
        long[] packed = new long[pointCount];
        int next = 0;
        int[] words = new int[POINTS_PER_HASH];
        for (int i = 0; i < live.length; i++) {
            int serverIndex = live[i];
            byte[] name = nameBytes(servers.get(serverIndex).name());
            for (int group = 0; group < pointsPerServer[i] / POINTS_PER_HASH; group++) {
                byte[] key = pointKey(name, group);
                Md5.digest(Unpooled.wrappedBuffer(key), 0, key.length, words);
                for (int word : words) {
                    packed[next++] = Integer.toUnsignedLong(word) << 31 | serverIndex;
                }
            }
        }

        // twemproxy qsort()s the points. glibc's qsort is a stable merge sort (for arrays of this
        // size), so points with equal values keep insertion order, which is ascending server index;
        // that decides which server wins when two servers' points collide. Breaking ties by server
        // index reproduces it.
        Arrays.sort(packed);

        int[] values = new int[pointCount];
        int[] owners = new int[pointCount];
        for (int i = 0; i < pointCount; i++) {
            values[i] = (int) (packed[i] >>> 31);
            owners[i] = (int) (packed[i] & 0x7fffffffL);
        }
        return new KetamaContinuum(values, owners, live.length);
    }

    /**
     * Points for one live server: {@code floorf(pct * 160 / 4 * nlive + 1e-10) * 4}, with twemproxy's
     * exact float/double mix so that rounding at the boundaries agrees. In the C expression
     * {@code pct} and every product are single-precision floats (x86-64 evaluates float in float,
     * FLT_EVAL_METHOD 0); only the {@code + 0.0000000001} is a double, whose sum is converted back
     * to float before {@code floorf}.
     */
    static int pointsPerServer(int weight, long totalWeight, int liveServers) {
        float pct = (float) weight / (float) totalWeight;
        float groups = pct * POINTS_PER_SERVER / POINTS_PER_HASH * (float) liveServers;
        float floored = (float) Math.floor((float) (groups + 0.0000000001));
        return (int) (floored * POINTS_PER_HASH);
    }

    /**
     * twemproxy's {@code ketama_hash(key, len, alignment)}: word {@code alignment} (0-3) of
     * {@code md5(key)}, read little-endian, as an unsigned value.
     */
    static long pointHash(byte[] key, int alignment) {
        int[] words = new int[POINTS_PER_HASH];
        Md5.digest(Unpooled.wrappedBuffer(key), 0, key.length, words);
        return Integer.toUnsignedLong(words[alignment]);
    }

    /**
     * The name bytes as {@code "%.*s"} prints them: twemproxy keeps config strings as the raw
     * (UTF-8) bytes of the YAML file, and printf stops at a NUL byte.
     */
    private static byte[] nameBytes(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return Arrays.copyOf(bytes, i);
            }
        }
        return bytes;
    }

    /**
     * {@code "<name>-<group>"}, cut to {@code MAX_HOSTLEN - 1} bytes as twemproxy's snprintf into a
     * 273-byte buffer (and its clamp of the returned length) does for very long names.
     */
    private static byte[] pointKey(byte[] name, int group) {
        byte[] suffix = ("-" + Integer.toUnsignedString(group)).getBytes(StandardCharsets.US_ASCII);
        int length = Math.min(name.length + suffix.length, MAX_HOSTLEN - 1);
        byte[] key = Arrays.copyOf(name, length);
        if (length > name.length) {
            System.arraycopy(suffix, 0, key, name.length, length - name.length);
        }
        return key;
    }

    @Override
    public int serverIndex(long hash) {
        int count = pointValues.length;
        if (count == 0) {
            return -1;
        }
        int key = (int) hash;
        int bucket = key >>> (32 - BUCKET_BITS);
        int low = lowerBound(key, bucketStart[bucket], bucketStart[bucket + 1]);
        // Past the highest point: wrap around to the first.
        return pointServers[low == count ? 0 : low];
    }

    /** The first index in [low, high) whose point is >= key, as uint32; high if none. */
    private int lowerBound(int key, int low, int high) {
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (Integer.compareUnsigned(pointValues[middle], key) < 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    @Override
    public int liveServerCount() {
        return liveServerCount;
    }

    int pointCount() {
        return pointValues.length;
    }

    long pointValue(int i) {
        return Integer.toUnsignedLong(pointValues[i]);
    }

    int pointServer(int i) {
        return pointServers[i];
    }
}
