package org.xenpv.http;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One HTTP server: a listening port on one IpStack. Registered while it
 * listens; it goes with its configuration, its IpStack or the bundle, and
 * every connection with it.
 */
@ProviderType
public interface HttpServer {
    /** Factory PID of the configurations that make servers. */
    String FACTORY_PID = "org.xenpv.http";
    /** Configuration key: an LDAP filter choosing the IpStack, for example (nic.device=vif-0). */
    String KEY_STACK_TARGET = "stack.target";
    /** Configuration key: the TCP port (default 80). */
    String KEY_PORT = "port";
    /** Configuration key (optional): the directory whose files are served; without it only handlers answer. */
    String KEY_ROOT = "root";
    /** Configuration key: connections served at once (default 64); more wait in the stack's backlog. */
    String KEY_MAX_CONNECTIONS = "max.connections";
    /** Configuration key: connections the stack accepts ahead of the server (default 64). */
    String KEY_BACKLOG = "backlog";
    /** Configuration key: seconds a connection may stay silent, or not take our bytes, before it is closed (default 60). */
    String KEY_IDLE_TIMEOUT = "idle.timeout";
    /** Configuration key: the largest request body a handler is given, in bytes (default 1 MiB); larger ones get 413. */
    String KEY_MAX_REQUEST_BODY = "max.request.body";
    /** Configuration key (optional): an LDAP filter choosing which {@link HttpHandler} services this server uses. */
    String KEY_HANDLER_TARGET = "handler.target";

    /** The address and port it listens on. */
    InetSocketAddress localAddress();

    /** The directory it serves files from, if any. */
    Optional<Path> root();

    /** Connections being served now. */
    int openConnections();

    /** Requests answered since it started. */
    long requests();
}
