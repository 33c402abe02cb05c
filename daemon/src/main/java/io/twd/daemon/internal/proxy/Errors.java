package io.twd.daemon.internal.proxy;

import io.netty.channel.ConnectTimeoutException;
import java.io.FileNotFoundException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;

/**
 * Turns a backend failure into the strerror(3) text twemproxy would put after {@code -ERR } or
 * {@code SERVER_ERROR }, so clients that match on those texts keep working.
 */
final class Errors {
    static final String CONNECTION_REFUSED = "Connection refused";
    static final String CONNECTION_TIMED_OUT = "Connection timed out";
    static final String CONNECTION_RESET = "Connection reset by peer";
    static final String HOST_DOWN = "Host is down";
    static final String NO_SUCH_FILE = "No such file or directory";

    private static final String[] KNOWN = {
        CONNECTION_REFUSED, CONNECTION_RESET, CONNECTION_TIMED_OUT, "No route to host",
        "Network is unreachable", "Broken pipe", "Host is down", "No such file or directory",
        "Permission denied", "Address already in use", "Cannot assign requested address",
    };

    private Errors() {
    }

    static String strerror(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return CONNECTION_TIMED_OUT;
        }
        if (cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
            // twemproxy fails a connect whose host does not resolve with EHOSTDOWN.
            return HOST_DOWN;
        }
        if (cause instanceof FileNotFoundException) {
            // A unix socket path that does not exist (ENOENT); Netty gives no message.
            return NO_SUCH_FILE;
        }
        if (cause instanceof ClosedChannelException) {
            return CONNECTION_RESET;
        }
        String message = String.valueOf(cause.getMessage());
        for (String known : KNOWN) {
            if (message.contains(known)) {
                return known;
            }
        }
        return cause instanceof ConnectException ? CONNECTION_REFUSED : "Invalid argument";
    }
}
