package org.xenpv.netfront.internal;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.ring.FrontRing;
import org.xenpv.evtchn.EventChannel;
import org.xenpv.evtchn.EventChannels;
import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.Revocation;
import org.xenpv.xenstore.XenStoreException;
import org.xenpv.xenstore.XenStoreOperations;

/**
 * What one queue holds of the hypervisor's: its two ring pages, its pools of
 * granted buffer pages and its event channel(s), and the rings on the pages.
 */
final class QueueResources {
    private static final Logger LOG = LoggerFactory.getLogger(QueueResources.class);

    /** What an event on a queue's channel asks for: a look at its TX ring, its RX ring, or both. */
    interface EventHandler {
        /** @return whether the event found work (one that did not is spurious, and delays its port's re-arming) */
        boolean onEvent(boolean tx, boolean rx);
    }

    private final int queue;
    private final GrantedPages txRingPage;
    private final GrantedPages rxRingPage;
    final PagePool txPool;
    final PagePool rxPool;
    final EventChannel txChannel;
    final EventChannel rxChannel;
    final FrontRing tx;
    final FrontRing rx;

    /** Makes a queue's resources, binding its channel(s) to the handler given. */
    interface Source {
        QueueResources make(EventHandler handler) throws IOException;
    }

    QueueResources(int queue, GrantedPages txRingPage, GrantedPages rxRingPage, PagePool txPool, PagePool rxPool,
            EventChannel txChannel, EventChannel rxChannel) {
        this.queue = queue;
        this.txRingPage = txRingPage;
        this.rxRingPage = rxRingPage;
        this.txPool = txPool;
        this.rxPool = rxPool;
        this.txChannel = txChannel;
        this.rxChannel = rxChannel;
        this.tx = FrontRing.initialise(txRingPage.page(0), Netif.TX_RING);
        this.rx = FrontRing.initialise(rxRingPage.page(0), Netif.RX_RING);
    }

    /**
     * Grants the ring pages and buffer pools to {@code backendDomid} and binds
     * the event channel(s) with late EOI: one when the backend did not agree
     * to split them. Made all at once or not at all.
     */
    static QueueResources grant(int queue, int backendDomid, GrantTable grants, EventChannels events, boolean split,
            NetfrontConfig config, EventHandler handler) throws IOException {
        GrantedPages txRingGrant = null;
        GrantedPages rxRingGrant = null;
        PagePool txBufferPool = null;
        PagePool rxBufferPool = null;
        EventChannel txEvents = null;
        EventChannel rxEvents = null;
        try {
            txRingGrant = grants.grant(backendDomid, 1, Access.WRITABLE);
            rxRingGrant = grants.grant(backendDomid, 1, Access.WRITABLE);
            txBufferPool = grants.createPool(backendDomid, config.txBuffers(), Access.READ_ONLY);
            rxBufferPool = grants.createPool(backendDomid, config.rxBuffers(), Access.WRITABLE);
            if (split) {
                txEvents = events.bindUnboundLateEoi(backendDomid, channel -> handler.onEvent(true, false));
                rxEvents = events.bindUnboundLateEoi(backendDomid, channel -> handler.onEvent(false, true));
            } else {
                txEvents = events.bindUnboundLateEoi(backendDomid, channel -> handler.onEvent(true, true));
                rxEvents = txEvents;
            }
        } catch (IOException | RuntimeException e) {
            closeAll(txEvents, rxEvents, txBufferPool, rxBufferPool, txRingGrant, rxRingGrant);
            throw e;
        }
        return new QueueResources(queue, txRingGrant, rxRingGrant, txBufferPool, rxBufferPool, txEvents, rxEvents);
    }

    private static void closeAll(EventChannel txEvents, EventChannel rxEvents, PagePool txPool, PagePool rxPool,
            GrantedPages txRing, GrantedPages rxRing) {
        if (txEvents != null) {
            txEvents.close();
        }
        if (rxEvents != null && rxEvents != txEvents) {
            rxEvents.close();
        }
        if (txPool != null) {
            txPool.close();
        }
        if (rxPool != null) {
            rxPool.close();
        }
        if (txRing != null) {
            txRing.close();
        }
        if (rxRing != null) {
            rxRing.close();
        }
    }

    /** The channel(s), one when not split. */
    EventChannel[] channels() {
        return txChannel == rxChannel ? new EventChannel[] {txChannel} : new EventChannel[] {txChannel, rxChannel};
    }

    /** Writes the ring references and event channel(s) into the queue's XenStore directory {@code dir}. */
    void writeKeys(XenStoreOperations store, String dir) throws XenStoreException {
        store.write(dir + "/" + Netif.Keys.TX_RING_REF, Integer.toString(txRingPage.ref(0)));
        store.write(dir + "/" + Netif.Keys.RX_RING_REF, Integer.toString(rxRingPage.ref(0)));
        if (txChannel != rxChannel) {
            store.write(dir + "/" + Netif.Keys.EVENT_CHANNEL_TX, Integer.toString(txChannel.localPort()));
            store.write(dir + "/" + Netif.Keys.EVENT_CHANNEL_RX, Integer.toString(rxChannel.localPort()));
        } else {
            store.write(dir + "/" + Netif.Keys.EVENT_CHANNEL, Integer.toString(txChannel.localPort()));
        }
    }

    /** Closes the channel(s): no event handler runs after this returns. */
    void closeChannels() {
        txChannel.close();
        if (rxChannel != txChannel) {
            rxChannel.close();
        }
    }

    /**
     * Revokes every grant; call once no one touches the pages any more.
     *
     * @return the least certain of the four outcomes: {@link Revocation#DEFERRED} when the backend still maps
     *     a ring or buffer page (those then stay held, see {@link #pagesHeld})
     */
    Revocation revokeAll() {
        return revoke(txPool::revoke).and(revoke(rxPool::revoke)).and(revoke(txRingPage::revoke))
                .and(revoke(rxRingPage::revoke));
    }

    private interface Revoker {
        Revocation revoke() throws IOException;
    }

    private Revocation revoke(Revoker grant) {
        try {
            return grant.revoke();
        } catch (IOException e) {
            LOG.warn("queue {}: revoking a grant failed: {}", queue, e.getMessage());
            return Revocation.UNKNOWN;
        }
    }

    /** Pages the backend still holds after they were revoked, trying their end again; never used again. */
    int pagesHeld() {
        return (txRingPage.isHeld() ? 1 : 0) + (rxRingPage.isHeld() ? 1 : 0)
                + (txPool.isHeld() ? txPool.capacity() : 0) + (rxPool.isHeld() ? rxPool.capacity() : 0);
    }
}
