package org.xenpv.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * A handler's answer. The server sets Content-Length, Connection and Date
 * itself; the same headers given here are ignored.
 *
 * @param status the status code, 200 to 599
 * @param headers header values by name
 * @param body the body (for HEAD, only its length is sent)
 */
public record HttpResponse(int status, Map<String, String> headers, byte[] body) {

    public HttpResponse {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("status " + status + " is not between 200 and 599");
        }
        headers = Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /** A response with a body of the given media type. */
    public static HttpResponse of(int status, String contentType, byte[] body) {
        return new HttpResponse(status, Map.of("Content-Type", contentType), body);
    }

    /** A plain text response in UTF-8. */
    public static HttpResponse text(int status, String text) {
        return of(status, "text/plain; charset=UTF-8", text.getBytes(StandardCharsets.UTF_8));
    }
}
