package org.xenpv.netfront.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.ring.BackRing;
import org.xenpv.evtchn.EventChannel;
import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.PoolPage;
import org.xenpv.gnttab.Revocation;
import org.xenpv.net.MacAddress;

/**
 * A netfront queue on plain memory, with no hypervisor: its ring pages and
 * buffer pools are the test's own pages, its event channel counts
 * notifications in a semaphore, and the test plays the backend's end of
 * both rings and the event dispatcher (it calls the queue's event handler).
 * Small and without threads of its own, so that a tool exploring
 * interleavings explores the queue's, not a simulator's.
 */
final class QueueOnHeapPages implements AutoCloseable {
    final NetfrontNic nic;
    final NetfrontQueue queue;
    final BackRing txBackend;
    final BackRing rxBackend;
    /** One permit per notification the queue sent its backend. */
    final Semaphore notified = new Semaphore(0);
    /** Why the queue was marked broken, if it was. */
    final AtomicReference<String> broken = new AtomicReference<>();
    private final Channel txChannel;
    private QueueResources.EventHandler handler;
    private boolean released;

    QueueOnHeapPages(NetfrontConfig config, boolean split) throws Exception {
        Negotiated negotiated = new Negotiated(false, false, false, false, split, 1, true);
        nic = new NetfrontNic("vif-0", MacAddress.parse("00:16:3e:00:00:01"), 1500, 0, () -> { });
        NetfrontNic owner = nic;
        Pages txRing = new Pages(1);
        Pages rxRing = new Pages(2);
        txChannel = new Channel(10);
        Channel rxChannel = split ? new Channel(11) : txChannel;
        queue = new NetfrontQueue(0, "xenpv-netfront-vif-0-q0", events -> {
            handler = events;
            return new QueueResources(0, txRing, rxRing, new Pool(100, config.txBuffers()),
                    new Pool(1000, config.rxBuffers()), txChannel, rxChannel);
        }, negotiated, config, nic.counters(0), new NetfrontQueue.Owner() {
            @Override
            public void broken(String reason) {
                broken.compareAndSet(null, reason);
                owner.broken(reason);
            }

            @Override
            public boolean received(int index, ByteBuffer frame, org.xenpv.net.Offload offload) {
                return owner.received(index, frame, offload);
            }
        });
        txBackend = BackRing.attach(txRing.page, Netif.TX_RING);
        rxBackend = BackRing.attach(rxRing.page, Netif.RX_RING);
        nic.connected(new NetfrontQueue[] {queue}, negotiated);
    }

    /** The event dispatcher's call for an event on the TX or the RX ring's channel. */
    void event(boolean tx, boolean rx) {
        handler.onEvent(tx, rx);
    }

    /** Whether the queue's channels are open: its release closes them first. */
    boolean queueOpen() {
        return txChannel.isOpen();
    }

    /** Releases the queue once (the device's teardown); later calls do nothing. */
    synchronized Revocation release() {
        if (released) {
            return Revocation.ENDED;
        }
        released = true;
        nic.disconnected();
        return queue.release();
    }

    @Override
    public void close() {
        release();
    }

    private final class Channel implements EventChannel {
        private final int port;
        private volatile boolean open = true;

        Channel(int port) {
            this.port = port;
        }

        @Override
        public int localPort() {
            return port;
        }

        @Override
        public int remoteDomid() {
            return 0;
        }

        @Override
        public void notifyRemote() {
            if (!open) {
                throw new IllegalStateException("closed");
            }
            notified.release();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public long spuriousEvents() {
            return 0;
        }

        @Override
        public long delayedRearms() {
            return 0;
        }

        @Override
        public long rearmDelayMillis() {
            return 0;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    /** One page of the test's memory, standing for a granted ring page. */
    private static final class Pages implements GrantedPages {
        private final int ref;
        final ByteBuffer page = ByteBuffer.allocateDirect(NetfrontQueue.PAGE);
        private volatile boolean revoked;

        Pages(int ref) {
            this.ref = ref;
        }

        @Override
        public int domid() {
            return 0;
        }

        @Override
        public Access access() {
            return Access.WRITABLE;
        }

        @Override
        public int pageCount() {
            return 1;
        }

        @Override
        public int ref(int index) {
            return ref;
        }

        @Override
        public ByteBuffer page(int index) {
            return page;
        }

        @Override
        public Revocation revoke() {
            revoked = true;
            return Revocation.ENDED;
        }

        @Override
        public boolean isRevoked() {
            return revoked;
        }

        @Override
        public boolean isHeld() {
            return false;
        }

        @Override
        public void close() {
            revoked = true;
        }
    }

    /** Pages of the test's memory standing for a pool of granted pages; used under the queue's locks. */
    private static final class Pool implements PagePool {
        private final int capacity;
        private final ArrayDeque<PoolPage> free = new ArrayDeque<>();

        Pool(int firstRef, int capacity) {
            this.capacity = capacity;
            for (int i = 0; i < capacity; i++) {
                int index = i;
                ByteBuffer buffer = ByteBuffer.allocateDirect(NetfrontQueue.PAGE);
                free.push(new PoolPage() {
                    @Override
                    public int index() {
                        return index;
                    }

                    @Override
                    public int ref() {
                        return firstRef + index;
                    }

                    @Override
                    public ByteBuffer buffer() {
                        return buffer;
                    }
                });
            }
        }

        @Override
        public int domid() {
            return 0;
        }

        @Override
        public Access access() {
            return Access.WRITABLE;
        }

        @Override
        public int capacity() {
            return capacity;
        }

        @Override
        public int available() {
            return free.size();
        }

        @Override
        public PoolPage acquire() {
            return free.poll();
        }

        @Override
        public void release(PoolPage page) {
            free.push(page);
        }

        @Override
        public void recycle(PoolPage page) {
            free.push(page);
        }

        @Override
        public Revocation revoke() {
            return Revocation.ENDED;
        }

        @Override
        public boolean isHeld() {
            return false;
        }

        @Override
        public void close() {
        }
    }

}
