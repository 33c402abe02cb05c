package io.twd.tests.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for the daemon, used only by HarnessTest to prove {@link TwdProcess} (launch from
 * the classpath, readiness, stats, stop) while the real engine is being written. It takes
 * {@code -c FILE -s PORT -a ADDR}, listens on every pool's TCP port (accepting and closing),
 * and answers the stats port with one JSON line. Run with {@code -Dtwd.mainClass=} this class.
 */
public final class StandInDaemon {
    private StandInDaemon() {}

    public static void main(String[] args) throws Exception {
        String conf = null;
        int statsPort = 22222;
        String statsAddr = "0.0.0.0";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "-c" -> conf = args[i + 1];
                case "-s" -> statsPort = Integer.parseInt(args[i + 1]);
                case "-a" -> statsAddr = args[i + 1];
                case "--admin-socket", "--threads" -> { } // the stand-in serves no admin socket, has no loops
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        Map<String, String> listens = ProxyProcess.listensOf(Files.readString(Path.of(conf)));
        List<ServerSocket> sockets = new ArrayList<>();
        for (String listen : listens.values()) {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(listen.substring(0, listen.lastIndexOf(':')), ProxyProcess.portOf(listen)));
            sockets.add(s);
        }
        ServerSocket stats = new ServerSocket();
        stats.bind(new InetSocketAddress(statsAddr, statsPort));
        for (ServerSocket s : sockets) {
            Thread t = new Thread(() -> acceptAndClose(s, null));
            t.setDaemon(true);
            t.start();
        }
        System.out.println("stand-in daemon listening on " + listens + ", stats " + statsPort);
        StringBuilder json = new StringBuilder("{\"service\":\"stand-in\"");
        for (String pool : listens.keySet()) json.append(", \"").append(pool).append("\": {}");
        acceptAndClose(stats, json.append("}\n").toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void acceptAndClose(ServerSocket server, byte[] reply) {
        while (true) {
            try (Socket c = server.accept(); OutputStream out = c.getOutputStream()) {
                if (reply != null) out.write(reply);
            } catch (IOException e) {
                return;
            }
        }
    }
}
