package org.xenpv.http.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.http.HttpHandler;
import org.xenpv.http.HttpServer;
import org.xenpv.stack.lwip.IpStack;

/**
 * One HTTP server per factory configuration, on the IpStack that
 * {@code stack.target} chooses. It goes with the configuration, the IpStack or
 * the bundle, and closes every connection and ends every thread when it goes.
 */
// immediate: it serves whether or not a bundle uses its HttpServer service (a delayed one would stop when the last
// user let go of the service)
@Component(configurationPid = HttpServer.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = HttpServer.class, immediate = true)
@Designate(ocd = HttpServerComponent.Config.class, factory = true)
public final class HttpServerComponent implements HttpServer {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServerComponent.class);

    @ObjectClassDefinition(name = "xenpv HTTP server",
            description = "Serves static files and handler services over an IpStack of the in-JVM TCP/IP stack")
    public @interface Config {
        @AttributeDefinition(name = HttpServer.KEY_STACK_TARGET, required = false,
                description = "Filter choosing the IpStack, for example (nic.device=vif-0); without it, any")
        String stack_target();

        @AttributeDefinition(name = HttpServer.KEY_PORT, description = "TCP port")
        int port() default 80;

        @AttributeDefinition(name = HttpServer.KEY_ROOT, required = false,
                description = "Directory of the static files; without it only handlers answer")
        String root() default "";

        @AttributeDefinition(name = HttpServer.KEY_MAX_CONNECTIONS,
                description = "Connections served at once; more wait in the backlog")
        int max_connections() default 64;

        @AttributeDefinition(name = HttpServer.KEY_BACKLOG,
                description = "Connections the stack accepts ahead of the server")
        int backlog() default 64;

        @AttributeDefinition(name = HttpServer.KEY_IDLE_TIMEOUT,
                description = "Seconds a connection may be silent, or not take data, before it is closed")
        int idle_timeout() default 60;

        @AttributeDefinition(name = HttpServer.KEY_MAX_REQUEST_BODY,
                description = "Largest request body in bytes; larger ones get 413")
        int max_request_body() default 1 << 20;

        @AttributeDefinition(name = HttpServer.KEY_HANDLER_TARGET, required = false,
                description = "Filter choosing the handler services this server uses; without it, all")
        String handler_target();
    }

    private final Handlers handlers = new Handlers();
    private final Server server;

    @Activate
    public HttpServerComponent(@Reference(name = "stack") IpStack stack, Config config) throws IOException {
        Optional<Path> root = config.root() == null || config.root().isBlank() ? Optional.empty()
                : Optional.of(Path.of(config.root().trim()));
        Settings settings = new Settings(config.port(), root, config.max_connections(), config.backlog(),
                Duration.ofSeconds(config.idle_timeout()), config.max_request_body());
        try {
            this.server = new Server(stack, settings, handlers);
        } catch (IOException e) {
            LOG.error("HTTP server on {} port {}: not started: {}", stack.nicName(), settings.port(), e.getMessage());
            throw e;
        }
        LOG.info("HTTP server on {} {}: serving {}", stack.nicName(), server.localAddress(),
                root.map(Path::toString).orElse("handlers only"));
    }

    @Reference(name = "handler", service = HttpHandler.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addHandler(HttpHandler handler, Map<String, Object> properties) {
        long id = (Long) properties.get(Constants.SERVICE_ID);
        Optional<String> prefix = Handlers.validPrefix(properties.get(HttpHandler.PROPERTY_PATH));
        if (prefix.isEmpty()) {
            LOG.warn("HTTP handler service {} ignored: its property {} is {}, not a path starting with /", id,
                    HttpHandler.PROPERTY_PATH, properties.get(HttpHandler.PROPERTY_PATH));
            return;
        }
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        handlers.add(new Handlers.Entry(prefix.get(), ranking instanceof Integer r ? r : 0, id, handler));
    }

    void removeHandler(HttpHandler handler, Map<String, Object> properties) {
        handlers.remove((Long) properties.get(Constants.SERVICE_ID));
    }

    @Deactivate
    void deactivate() {
        server.close();
        LOG.info("HTTP server on {} stopped", server.localAddress());
    }

    @Override
    public InetSocketAddress localAddress() {
        return server.localAddress();
    }

    @Override
    public Optional<Path> root() {
        return server.root();
    }

    @Override
    public int openConnections() {
        return server.openConnections();
    }

    @Override
    public long requests() {
        return server.requests();
    }
}
