package gameport.nettyref;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bench's reference "plain Netty server": what a straightforward Netty 4.2 server costs per
 * move on this machine. It behaves like tools/floor/floor_server.c (its spec): CS_LOGIN is
 * answered with SC_LOGIN_INFO, CS_MOVE and CS_TELEPORT are echoed as SC_MOVE_OBJECT about the
 * sender (CS_MOVE's move_time, 0 for a teleport), nothing else, no game and no view (range 0).
 *
 * <p>One event-loop thread is both boss and worker; the transport is io_uring (NIO with one line
 * on stderr when io_uring is unavailable); frames are cut by a little-endian length-field decoder
 * (the u16 size includes the header); buffers are pooled and direct; TCP_NODELAY; every reply is
 * its own writeAndFlush, as a plain Netty server does it. It trusts its client: it is a measuring
 * stick, not a server.
 *
 * <pre>java -jar netty-ref.jar PORT [HOST]   (PORT 0 picks one; HOST defaults to 127.0.0.1)</pre>
 *
 * Prints {@code READY port=<port> engine=netty transport=<io_uring|nio>} on stdout once bound;
 * SIGTERM/SIGINT close it and exit with 0.
 */
public final class NettyRefServer {
    private static final int CS_LOGIN = 0;
    private static final int CS_MOVE = 1;
    private static final int CS_TELEPORT = 4;
    private static final int SC_LOGIN_INFO = 2;
    private static final int SC_MOVE_OBJECT = 6;
    private static final int SC_LOGIN_INFO_SIZE = 31;
    private static final int SC_MOVE_OBJECT_SIZE = 15;

    private static final AtomicInteger NEXT_ID = new AtomicInteger();

    private NettyRefServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 2 || (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help")))) {
            System.err.println("usage: java -jar netty-ref.jar [PORT [HOST]]   (PORT 0 picks a free one; "
                    + "default 4000 on 127.0.0.1)");
            System.exit(args.length > 2 ? 2 : 0);
        }
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
        String host = args.length > 1 ? args[1] : "127.0.0.1";

        IoHandlerFactory io;
        Class<? extends ServerChannel> serverChannel;
        String transport;
        if (IoUring.isAvailable()) {
            io = IoUringIoHandler.newFactory();
            serverChannel = IoUringServerSocketChannel.class;
            transport = "io_uring";
        } else {
            System.err.println("netty-ref: io_uring unavailable (" + IoUring.unavailabilityCause()
                    + "); falling back to NIO");
            io = NioIoHandler.newFactory();
            serverChannel = NioServerSocketChannel.class;
            transport = "nio";
        }
        // One thread: it accepts and serves every connection.
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("netty-loop"), io);
        PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);
        Channel server;
        try {
            server = new ServerBootstrap()
                    .group(group, group)
                    .channel(serverChannel)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.ALLOCATOR, alloc)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, alloc)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(
                                    // u16 LE size at offset 0, counting the whole packet: the frame is
                                    // 2 + size - 2 bytes long and keeps its header.
                                    new LengthFieldBasedFrameDecoder(ByteOrder.LITTLE_ENDIAN, 0xFFFF, 0, 2, -2, 0, true),
                                    new EchoHandler(NEXT_ID.getAndIncrement()));
                        }
                    })
                    .bind(new InetSocketAddress(host, port)).sync().channel();
        } catch (Exception e) {
            System.err.println("netty-ref: cannot listen on " + host + ":" + port + ": " + e);
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            System.exit(1);
            return;
        }

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
                System.err.println("netty-ref: stopped");
            } catch (Throwable t) {
                System.err.println("netty-ref: error while stopping: " + t);
                t.printStackTrace();
            } finally {
                System.out.flush();
                System.err.flush();
                // A signal makes the JVM exit with 128+signal; a requested stop is a success.
                Runtime.getRuntime().halt(0);
            }
        }, "netty-ref-shutdown"));

        int bound = ((InetSocketAddress) server.localAddress()).getPort();
        System.out.println("READY port=" + bound + " engine=netty transport=" + transport);
        System.out.flush();
        server.closeFuture().awaitUninterruptibly();
    }

    /** One per connection: answers each whole packet the frame decoder hands it. */
    private static final class EchoHandler extends ChannelInboundHandlerAdapter {
        private final int id;

        EchoHandler(int id) {
            this.id = id;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                int at = in.readerIndex();
                if (in.readableBytes() < 3) {
                    return;
                }
                int type = in.getUnsignedByte(at + 2);
                if (type == CS_LOGIN) {
                    // SC_LOGIN_INFO: visual, id, hp, max_hp, exp, level (i32), x, y (i16)
                    ByteBuf out = ctx.alloc().directBuffer(SC_LOGIN_INFO_SIZE);
                    out.writeShortLE(SC_LOGIN_INFO_SIZE).writeByte(SC_LOGIN_INFO)
                            .writeIntLE(0).writeIntLE(id).writeIntLE(100).writeIntLE(100)
                            .writeIntLE(0).writeIntLE(1).writeShortLE(0).writeShortLE(0);
                    ctx.writeAndFlush(out, ctx.voidPromise());
                } else if (type == CS_MOVE || type == CS_TELEPORT) {
                    // SC_MOVE_OBJECT about the sender: id, x, y, move_time (CS_MOVE's, 0 for a teleport)
                    long moveTime = type == CS_MOVE && in.readableBytes() >= 8 ? in.getUnsignedIntLE(at + 4) : 0;
                    ByteBuf out = ctx.alloc().directBuffer(SC_MOVE_OBJECT_SIZE);
                    out.writeShortLE(SC_MOVE_OBJECT_SIZE).writeByte(SC_MOVE_OBJECT)
                            .writeIntLE(id).writeShortLE(0).writeShortLE(0).writeIntLE((int) moveTime);
                    ctx.writeAndFlush(out, ctx.voidPromise());
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset peer or a bad frame: close only this connection, quietly (the floor does the same).
            ctx.close();
        }
    }
}
