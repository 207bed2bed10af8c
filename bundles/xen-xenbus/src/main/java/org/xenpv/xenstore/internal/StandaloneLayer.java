package org.xenpv.xenstore.internal;

import org.xenpv.platform.spi.XenbusPort;
import org.xenpv.xenstore.StandaloneXenStore;

/** The client of {@link StandaloneXenStore#open}: one user over a connection of its own. */
public final class StandaloneLayer {
    private StandaloneLayer() {
    }

    public static StandaloneXenStore xenStore(XenbusPort port, String name, long replyTimeoutMillis) {
        return new Client(new XsClientConnection(port, name, replyTimeoutMillis));
    }

    private static final class Client extends XenStoreClient implements StandaloneXenStore {
        Client(XsClientConnection connection) {
            super(connection);
        }

        @Override
        public void close() {
            release();
            connection.close();
        }
    }
}
