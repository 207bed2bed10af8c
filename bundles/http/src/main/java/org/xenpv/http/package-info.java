/**
 * An HTTP/1.1 server on the in-JVM TCP/IP stack ({@code org.xenpv.stack.lwip}).
 * Each factory configuration of {@link org.xenpv.http.HttpServer#FACTORY_PID}
 * listens on one {@code IpStack} and serves static files from a directory;
 * requests whose path falls under a {@link org.xenpv.http.HttpHandler} service's
 * {@link org.xenpv.http.HttpHandler#PROPERTY_PATH prefix} go to that handler
 * instead (whiteboard). The types here are plain Java: a handler needs neither
 * Netty nor the stack.
 */
@Export
@Version("1.0.0")
package org.xenpv.http;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
