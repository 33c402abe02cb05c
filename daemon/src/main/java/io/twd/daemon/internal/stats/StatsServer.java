package io.twd.daemon.internal.stats;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.CharsetUtil;
import io.twd.daemon.internal.proxy.Engine;
import java.io.IOException;
import java.net.InetSocketAddress;

/** The stats port: like nutcracker, it writes one JSON document to each connection and closes it. */
public final class StatsServer {
    private final Engine engine;
    private Channel channel;

    public StatsServer(Engine engine) {
        this.engine = engine;
    }

    /** The handoff key of the stats listener. */
    public static String key(String host, int port) {
        return "stats:" + host + ":" + port;
    }

    public void start(String host, int port) throws IOException {
        ChannelFuture f = bootstrap().channel(EpollServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .bind(new InetSocketAddress(host, port)).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new IOException("bind to stats server address '" + host + ":" + port + "' failed: "
                + f.cause().getMessage(), f.cause());
        }
        channel = f.channel();
    }

    /** Serves on a listening socket handed over by a predecessor. */
    public void adopt(int fd) {
        EpollServerSocketChannel ch = new EpollServerSocketChannel(fd);
        bootstrap().channelFactory(() -> ch).register().syncUninterruptibly();
        channel = ch;
    }

    public Channel channel() {
        return channel;
    }

    private boolean parked;

    private ServerBootstrap bootstrap() {
        return new ServerBootstrap()
            .group(engine.group())
            .childHandler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ctx.writeAndFlush(Unpooled.copiedBuffer(StatsReport.render(engine), CharsetUtil.UTF_8))
                                .addListener(ChannelFutureListener.CLOSE);
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            io.netty.util.ReferenceCountUtil.release(msg);
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            ctx.close();
                        }
                    });
                }
            });
    }

    public void stop() {
        if (channel != null) {
            if (parked) {
                Engine.closeParked(channel);
            } else {
                channel.close().awaitUninterruptibly();
            }
        }
    }

    /** Handoff: stop accepting but keep the socket, in case the successor dies (Engine.parkListeners). */
    public void park() {
        if (channel != null && !parked) {
            Engine.park(channel);
            parked = true;
        }
    }

    /** The successor died: serve on the parked socket again; false if there is none (it was closed). */
    public boolean unpark() {
        if (channel != null && parked) {
            Engine.unpark(channel, engine.group());
            parked = false;
            return true;
        }
        return false;
    }
}
