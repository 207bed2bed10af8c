package org.xenpv.http.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A server's configuration, checked.
 *
 * @param port 0 lets the stack choose (tests)
 */
record Settings(int port, Optional<Path> root, int maxConnections, int backlog, Duration idleTimeout,
        int maxRequestBody) {

    Settings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not between 0 and 65535");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max.connections " + maxConnections + " is not positive");
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog " + backlog + " is not positive");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle.timeout " + idleTimeout.toSeconds() + " is not positive");
        }
        if (maxRequestBody < 0) {
            throw new IllegalArgumentException("max.request.body " + maxRequestBody + " is negative");
        }
    }

    static Settings defaults(int port, Optional<Path> root) {
        return new Settings(port, root, 64, 64, Duration.ofSeconds(60), 1 << 20);
    }

    Settings withMaxConnections(int max) {
        return new Settings(port, root, max, backlog, idleTimeout, maxRequestBody);
    }

    Settings withIdleTimeout(Duration timeout) {
        return new Settings(port, root, maxConnections, backlog, timeout, maxRequestBody);
    }

    Settings withMaxRequestBody(int max) {
        return new Settings(port, root, maxConnections, backlog, idleTimeout, max);
    }
}
