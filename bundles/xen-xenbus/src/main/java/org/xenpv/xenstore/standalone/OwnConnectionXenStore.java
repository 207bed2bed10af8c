package org.xenpv.xenstore.standalone;

import org.xenpv.platform.spi.XenbusPort;
import org.xenpv.xenstore.internal.XenStoreClient;

/** The client of {@link StandaloneXenStore#open}: the service's, for one user, over a connection of its own. */
final class OwnConnectionXenStore extends XenStoreClient implements StandaloneXenStore {

    OwnConnectionXenStore(XenbusPort port, String name, long replyTimeoutMillis) {
        super(port, name, replyTimeoutMillis);
    }

    @Override
    public void close() {
        release();
        closeConnection();
    }
}
