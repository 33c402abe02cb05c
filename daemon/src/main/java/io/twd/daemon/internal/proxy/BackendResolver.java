package io.twd.daemon.internal.proxy;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Resolves backend host names with the system resolver (getaddrinfo, /etc/hosts, nsswitch, the
 * JVM's DNS cache), as twemproxy does, but on resolver threads instead of the event loop.
 *
 * <p>Netty's default resolver calls {@link InetAddress#getByName} on the event loop that connects:
 * a slow or unreachable DNS server would then stall every client of that loop for as long as the
 * lookup takes (seconds, with the resolver's retries), not just the requests for that server.
 * Here the lookup runs on one of a few daemon threads, and its result is handed back to the
 * connecting loop. Addresses given as IP literals never get here (see {@code Server.address()}).
 */
final class BackendResolver extends AddressResolverGroup<InetSocketAddress> {
    /** How a host name becomes addresses; the system resolver, except in tests. */
    interface Lookup {
        InetAddress[] allByName(String host) throws UnknownHostException;
    }

    /** Lookups that may run at once: one slow name should not hold up the others. */
    private static final int THREADS = 4;

    private final Lookup lookup;
    private final ThreadPoolExecutor threads;

    BackendResolver() {
        this(InetAddress::getAllByName);
    }

    BackendResolver(Lookup lookup) {
        this.lookup = lookup;
        AtomicInteger n = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "twd-resolver-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // Threads only while there are lookups: a config of IP addresses never starts one.
        threads.allowCoreThreadTimeOut(true);
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor loop) {
        return new OffLoopNameResolver(loop).asAddressResolver();
    }

    @Override
    public void close() {
        super.close();
        threads.shutdownNow();
    }

    /** Completes its promises from a resolver thread; Netty then notifies on the loop. */
    private final class OffLoopNameResolver extends InetNameResolver {
        OffLoopNameResolver(EventExecutor loop) {
            super(loop);
        }

        @Override
        protected void doResolve(String host, Promise<InetAddress> promise) {
            threads.execute(() -> {
                try {
                    promise.trySuccess(lookup.allByName(host)[0]);
                } catch (Throwable t) {
                    promise.tryFailure(t);
                }
            });
        }

        @Override
        protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
            threads.execute(() -> {
                try {
                    promise.trySuccess(Arrays.asList(lookup.allByName(host)));
                } catch (Throwable t) {
                    promise.tryFailure(t);
                }
            });
        }
    }
}
