package org.xenpv.http;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Answers the requests under a path prefix, registered as an OSGi service with
 * the property {@link #PROPERTY_PATH}. Of all handlers whose prefix matches a
 * request's path, the longest prefix wins (then the higher service ranking),
 * and a handler wins over the static files.
 *
 * <p>A prefix matches whole segments: {@code /api} matches {@code /api} and
 * {@code /api/items} but not {@code /apis}; {@code /} matches every path.
 * Each connection has its own thread, so a handler is called by several
 * threads at once. A handler that throws is contained: the client gets
 * 500 and the server goes on.
 */
@ConsumerType
@FunctionalInterface
public interface HttpHandler {
    /** Service property: the path prefix this handler answers, starting with /. */
    String PROPERTY_PATH = "xenpv.http.path";

    /**
     * Answers one request. For HEAD the server sends the response's headers
     * and Content-Length without its body.
     */
    HttpResponse handle(HttpRequest request) throws Exception;
}
