package gameport.web;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Whole-body HTTP answers of the server's small APIs: never cached, written in one piece. */
final class Replies {
    private Replies() {
    }

    static void send(Response response, int status, String contentType, byte[] body, Callback callback) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    static void text(Response response, int status, String contentType, String body, Callback callback) {
        send(response, status, contentType, body.getBytes(StandardCharsets.UTF_8), callback);
    }

    static void json(Response response, String body, Callback callback) {
        text(response, 200, "application/json; charset=utf-8", body, callback);
    }
}
