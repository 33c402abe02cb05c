package io.twd.daemon.internal.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.resolver.AddressResolver;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BackendResolverTest {
    private final EventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** What Bootstrap does: asks the loop's resolver, on the loop. */
    private Future<InetSocketAddress> resolveOnLoop(BackendResolver group, String host) throws Exception {
        return loop.submit(() -> {
            AddressResolver<InetSocketAddress> r = group.getResolver(loop);
            return r.resolve(InetSocketAddress.createUnresolved(host, 6379));
        }).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aSlowLookupDoesNotHoldUpTheEventLoop() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        BackendResolver group = new BackendResolver(host -> {
            started.countDown();
            try {
                answer.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnknownHostException("interrupted");
            }
            return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {10, 1, 2, 3})};
        });
        try {
            Future<InetSocketAddress> resolved = resolveOnLoop(group, "cache-1.example");
            assertTrue(started.await(5, TimeUnit.SECONDS), "the lookup started");
            // The lookup is blocked; the loop must still run its work.
            assertEquals("alive", loop.submit(() -> "alive").get(2, TimeUnit.SECONDS));
            AtomicBoolean notifiedOnLoop = new AtomicBoolean();
            CountDownLatch notified = new CountDownLatch(1);
            resolved.addListener(f -> {
                notifiedOnLoop.set(loop.inEventLoop());
                notified.countDown();
            });
            answer.countDown();
            InetSocketAddress address = resolved.get(5, TimeUnit.SECONDS);
            assertEquals("10.1.2.3", address.getAddress().getHostAddress());
            assertEquals(6379, address.getPort());
            assertTrue(notified.await(5, TimeUnit.SECONDS));
            assertTrue(notifiedOnLoop.get(), "the connect goes on on the loop that asked");
        } finally {
            answer.countDown();
            group.close();
        }
    }

    @Test
    void lookupsOfOneNameShareOneThreadAndOtherNamesDoNotWaitForIt() throws Exception {
        AtomicInteger hungLookups = new AtomicInteger();
        CountDownLatch answer = new CountDownLatch(1);
        BackendResolver group = new BackendResolver(host -> {
            if (host.equals("hung.example")) {
                hungLookups.incrementAndGet();
                try {
                    answer.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {10, 0, 0, 9})};
        });
        try {
            // Every loop and connection slot of a server looks its name up when it connects.
            List<Future<InetSocketAddress>> hung = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                hung.add(resolveOnLoop(group, "hung.example"));
            }
            // A healthy name is not queued behind the hung one.
            InetSocketAddress ok = resolveOnLoop(group, "ok.example").get(2, TimeUnit.SECONDS);
            assertEquals("10.0.0.9", ok.getAddress().getHostAddress());
            assertEquals(1, hungLookups.get(), "one lookup for the hung name, shared");
            answer.countDown();
            for (Future<InetSocketAddress> f : hung) {
                assertTrue(f.await(5, TimeUnit.SECONDS));
                assertInstanceOf(UnknownHostException.class, f.cause());
            }
            // The next connect looks the name up again (a DNS change is picked up).
            assertTrue(resolveOnLoop(group, "hung.example").await(5, TimeUnit.SECONDS));
            assertEquals(2, hungLookups.get());
        } finally {
            answer.countDown();
            group.close();
        }
    }

    @Test
    void aNameThatDoesNotResolveFailsTheResolution() throws Exception {
        BackendResolver group = new BackendResolver(host -> {
            throw new UnknownHostException(host);
        });
        try {
            Future<InetSocketAddress> resolved = resolveOnLoop(group, "no-such-host.invalid");
            assertTrue(resolved.await(5, TimeUnit.SECONDS));
            assertInstanceOf(UnknownHostException.class, resolved.cause());
            // What the client is told, as twemproxy tells it.
            assertEquals("Host is down", Errors.strerror(resolved.cause()));
        } finally {
            group.close();
        }
    }

    @Test
    void aClosedResolverFailsInsteadOfHanging() throws Exception {
        BackendResolver group = new BackendResolver(host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
        AddressResolver<InetSocketAddress> r = loop.submit(() -> group.getResolver(loop)).get(5, TimeUnit.SECONDS);
        group.close();
        Future<InetSocketAddress> resolved = loop.submit(() -> r.resolve(InetSocketAddress.createUnresolved("late.example", 1)))
            .get(5, TimeUnit.SECONDS);
        assertTrue(resolved.await(5, TimeUnit.SECONDS), "settled");
        assertFalse(resolved.isSuccess());
    }
}
