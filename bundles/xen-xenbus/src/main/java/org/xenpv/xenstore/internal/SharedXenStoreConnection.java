package org.xenpv.xenstore.internal;

import java.nio.file.Path;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.platform.spi.DevicePortProvider;
import org.xenpv.platform.spi.PortException;
import org.xenpv.platform.spi.XenbusPort;

/**
 * The one XenStore connection of this JVM: the active provider's xenbus
 * device, or xenstored's Unix socket when one is configured (as in dom0).
 */
@Component(service = SharedXenStoreConnection.class)
@Designate(ocd = SharedXenStoreConnection.Config.class)
public final class SharedXenStoreConnection {
    private static final Logger LOG = LoggerFactory.getLogger(SharedXenStoreConnection.class);

    @ObjectClassDefinition(name = "xenpv XenStore client")
    public @interface Config {
        @AttributeDefinition(description = "Connect to xenstored's Unix socket at this path instead of the"
                + " xenbus device (empty: the device)")
        String socketPath() default "";

        @AttributeDefinition(description = "How long a request waits for its reply, in milliseconds")
        long replyTimeoutMillis() default 30_000;
    }

    private final XsClientConnection connection;

    @Activate
    public SharedXenStoreConnection(@Reference(policyOption = ReferencePolicyOption.GREEDY)
            DevicePortProvider provider, Config config) throws PortException {
        XenbusPort port;
        String name;
        if (config.socketPath().isBlank()) {
            port = provider.openXenbusPort();
            name = provider.name() + " xenbus device";
        } else {
            port = UnixSocketXenbusPort.connect(Path.of(config.socketPath()));
            name = "socket " + config.socketPath();
        }
        connection = new XsClientConnection(port, name, config.replyTimeoutMillis());
        LOG.info("XenStore connected over the {}", name);
    }

    XsClientConnection connection() {
        return connection;
    }

    @Deactivate
    void deactivate() {
        connection.close();
    }
}
