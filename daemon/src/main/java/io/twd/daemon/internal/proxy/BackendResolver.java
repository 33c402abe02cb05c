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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Resolves backend host names with the system resolver (getaddrinfo, /etc/hosts, nsswitch, the
 * JVM's DNS cache), as twemproxy does, but on resolver threads instead of the event loop.
 *
 * <p>Netty's default resolver calls {@link InetAddress#getByName} on the event loop that connects:
 * a slow or unreachable DNS server would then stall every client of that loop for as long as the
 * lookup takes (seconds, with the resolver's retries), not just the requests for that server.
 * Here the lookup runs on a resolver thread, and its result is handed back to the connecting
 * loop. The connect's deadline covers the lookup ({@code Engine.open}). Addresses given as IP
 * literals never get here (see {@code Server.address()}).
 *
 * <p>Lookups of one name share one thread: every loop and connection slot of a server resolves
 * its name when it connects, and the JDK lets only one lookup per name run at a time anyway, so
 * without sharing one hung name would hold a thread per slot. The threads are created as names
 * need them (one per name being looked up at the moment, which the config bounds) and end after a
 * minute idle: a config of IP addresses never starts one.
 */
final class BackendResolver extends AddressResolverGroup<InetSocketAddress> {
    /** How a host name becomes addresses; the system resolver, except in tests. */
    interface Lookup {
        InetAddress[] allByName(String host) throws UnknownHostException;
    }

    private final Lookup lookup;
    private final ThreadPoolExecutor threads;
    /** The lookup under way for each name. */
    private final ConcurrentHashMap<String, CompletableFuture<InetAddress[]>> inFlight = new ConcurrentHashMap<>();

    /**
     * Test hook: with {@code TWD_TEST_HANG_LOOKUP=<name>[,<name>...]} in the environment, lookups
     * of those names hang until twd stops, as with an unreachable DNS server. Never set in
     * production.
     */
    static final String HANG_ENV = "TWD_TEST_HANG_LOOKUP";

    BackendResolver() {
        this(systemLookup(System.getenv(HANG_ENV)));
    }

    private static Lookup systemLookup(String hang) {
        if (hang == null || hang.isBlank()) {
            return InetAddress::getAllByName;
        }
        List<String> hung = List.of(hang.split(","));
        return host -> {
            if (hung.contains(host)) {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new UnknownHostException(host + ": lookup interrupted");
            }
            return InetAddress.getAllByName(host);
        };
    }

    BackendResolver(Lookup lookup) {
        this.lookup = lookup;
        AtomicInteger n = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "twd-resolver-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
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

    /** The addresses of {@code host}, from the lookup already under way for it or a new one. */
    private CompletableFuture<InetAddress[]> lookUp(String host) {
        CompletableFuture<InetAddress[]> mine = new CompletableFuture<>();
        CompletableFuture<InetAddress[]> running = inFlight.putIfAbsent(host, mine);
        if (running != null) {
            return running;
        }
        try {
            threads.execute(() -> {
                InetAddress[] found = null;
                Throwable failure = null;
                try {
                    found = lookup.allByName(host);
                } catch (Throwable t) {
                    failure = t;
                }
                // Before completing: a connect that follows this one looks the name up again
                // (through the JVM's cache), so a DNS change is picked up, as twemproxy picks it
                // up at every connect.
                inFlight.remove(host, mine);
                if (failure != null) {
                    mine.completeExceptionally(failure);
                } else {
                    mine.complete(found);
                }
            });
        } catch (RuntimeException e) {
            inFlight.remove(host, mine);
            mine.completeExceptionally(e);
        }
        return mine;
    }

    /** Completes its promises from a resolver thread; Netty then notifies on the loop. */
    private final class OffLoopNameResolver extends InetNameResolver {
        OffLoopNameResolver(EventExecutor loop) {
            super(loop);
        }

        @Override
        protected void doResolve(String host, Promise<InetAddress> promise) {
            lookUp(host).whenComplete(settle(promise, all -> all[0]));
        }

        @Override
        protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
            lookUp(host).whenComplete(settle(promise, Arrays::asList));
        }

        private <T> BiConsumer<InetAddress[], Throwable> settle(Promise<T> promise, Function<InetAddress[], T> pick) {
            return (all, failure) -> {
                if (executor().isShuttingDown()) {
                    return; // twd is stopping: nobody waits for this connect any more
                }
                if (failure != null) {
                    promise.tryFailure(failure);
                } else {
                    promise.trySuccess(pick.apply(all));
                }
            };
        }
    }
}
