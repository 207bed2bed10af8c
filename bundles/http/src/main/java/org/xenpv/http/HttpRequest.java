package org.xenpv.http;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A request as a handler sees it.
 *
 * @param method the method, upper case as sent (GET, HEAD, POST, ...)
 * @param uri the request target as sent, for example {@code /api/items?id=3}
 * @param path the path, percent-decoded, for example {@code /api/items}
 * @param parameters the query string's parameters, decoded
 * @param headers header values by name in lower case, in the order sent
 * @param body the request body (empty when there is none)
 * @param remote the client's address
 */
public record HttpRequest(String method, String uri, String path, Map<String, List<String>> parameters,
        Map<String, List<String>> headers, byte[] body, InetSocketAddress remote) {

    public HttpRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(path, "path");
        parameters = Map.copyOf(parameters);
        headers = Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /** The first value of a header, by name in any case. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The first value of a query parameter. */
    public Optional<String> parameter(String name) {
        List<String> values = parameters.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
}
