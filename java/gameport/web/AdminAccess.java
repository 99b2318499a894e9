package gameport.web;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * Who may see the operator's pages (/admin and /metrics): this machine always; another one only
 * with {@code --admin-token}, sent as {@code Authorization: Bearer TOKEN} (what Prometheus sends
 * with its {@code authorization} setting) or as {@code ?token=TOKEN} (a browser's address bar).
 */
final class AdminAccess {
    private final byte[] token;

    /** @param token the --admin-token, or null: loopback only */
    AdminAccess(String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    boolean allows(Request request) {
        if (isLoopback(request.getConnectionMetaData().getRemoteSocketAddress())) {
            return true;
        }
        if (token == null) {
            return false;
        }
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header != null && header.startsWith("Bearer ") && matches(header.substring(7))) {
            return true;
        }
        Fields query = Request.extractQueryParameters(request);
        String given = query.getValue("token");
        return given != null && matches(given);
    }

    /** The refusal's words: what to do about it. */
    String refusal() {
        return token == null
                ? "403: the operator pages answer only from this machine; start the server with --admin-token TOKEN "
                        + "to allow others (Authorization: Bearer TOKEN, or ?token=TOKEN)\n"
                : "403: a valid token is needed from another machine (Authorization: Bearer TOKEN, or ?token=TOKEN)\n";
    }

    private boolean matches(String given) {
        // Constant time: the comparison must not tell an attacker how much of a guess was right.
        return MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
    }

    static boolean isLoopback(SocketAddress address) {
        if (address instanceof InetSocketAddress a) {
            InetAddress ip = a.getAddress();
            return ip != null && ip.isLoopbackAddress();
        }
        return false;
    }
}
