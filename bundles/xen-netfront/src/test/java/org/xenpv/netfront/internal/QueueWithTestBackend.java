package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.ring.BackRing;
import org.xenpv.evtchn.standalone.StandaloneEventChannels;
import org.xenpv.gnttab.Revocation;
import org.xenpv.gnttab.standalone.StandaloneGrantTable;
import org.xenpv.net.MacAddress;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorException;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.ports.SimDevicePorts;

/**
 * One netfront queue with split event channels on the simulated hypervisor,
 * whose backend end of one ring a test plays: the ring's page mapped into
 * dom0, dom0's end of that ring's event channel bound and counting the
 * queue's notifications. The other ring's notifications go to a port no one
 * counts. Closing checks that the queue let go of every grant.
 */
final class QueueWithTestBackend implements AutoCloseable {
    /** The ring whose backend the test plays. */
    enum Ring { TX, RX }

    static final String THREAD_NAME = "xenpv-netfront-vif-0-q0";
    private static final int GUEST = 1;

    final NetfrontNic nic;
    final NetfrontQueue queue;
    /** The backend's side of the ring. */
    final BackRing backend;
    /** Notifications the queue sent on the ring's event channel. */
    final AtomicInteger notifications = new AtomicInteger();
    private final SimDevicePorts ports;
    private final Domain dom0;
    private final StandaloneGrantTable grants;
    private final StandaloneEventChannels events;
    private final GrantMapping mapping;
    private final int port;

    QueueWithTestBackend(Ring ring, int txBuffers) throws Exception {
        this(ring, txBuffers, NetfrontConfig.DEFAULT_TX_COMPLETION_MICROS);
    }

    /** @param txCompletionMicros the queue's TX completion interval (its thread's looks with frames in flight) */
    QueueWithTestBackend(Ring ring, int txBuffers, long txCompletionMicros) throws Exception {
        this(ring, txBuffers, txCompletionMicros, nic -> nic);
    }

    /**
     * @param txCompletionMicros the queue's TX completion interval (its thread's looks with frames in flight)
     * @param owner what the queue reports to, made from the Nic (the Nic itself, or a test's wrapper of it)
     */
    QueueWithTestBackend(Ring ring, int txBuffers, long txCompletionMicros,
            Function<NetfrontNic, NetfrontQueue.Owner> owner) throws Exception {
        Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(4096, 64));
        dom0 = hypervisor.createDomain(0, "Domain-0");
        Domain guest = hypervisor.createDomain(GUEST, "guest1");
        ports = new SimDevicePorts(guest, null);
        grants = StandaloneGrantTable.open(ports.openGrantAllocPort(), "netfront");
        events = StandaloneEventChannels.open(ports.openEventChannelPort());
        Negotiated negotiated = new Negotiated(false, false, false, false, true, 1, true);
        nic = new NetfrontNic("vif-0", MacAddress.parse("00:16:3e:00:00:01"), 1500, 0, () -> { });
        queue = new NetfrontQueue(0, THREAD_NAME, 0, grants, events, negotiated,
                new NetfrontConfig(1, txBuffers, 32, 5_000, NetfrontConfig.DEFAULT_POLL_MICROS, txCompletionMicros),
                nic.counters(0), owner.apply(nic));
        boolean tx = ring == Ring.TX;
        QueueKeys keys = QueueKeys.of(queue);
        mapping = guest.grants().map(dom0, tx ? keys.txRingRef() : keys.rxRingRef(), false);
        backend = BackRing.attach(mapping.page(), tx ? Netif.TX_RING : Netif.RX_RING);
        port = dom0.events().bindInterdomain(GUEST, tx ? keys.txEventPort() : keys.rxEventPort(),
                notified -> notifications.incrementAndGet());
        nic.connected(new NetfrontQueue[] {queue}, negotiated);
    }

    /** The backend notifies the queue on the ring's event channel. */
    void notifyQueue() throws HypervisorException {
        dom0.events().send(port);
    }

    /** The queue's thread, found by its name. */
    static Thread queueThread() {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals(THREAD_NAME) && thread.isAlive()) {
                return thread;
            }
        }
        throw new AssertionError("the queue's thread is not running");
    }

    @Override
    public void close() throws Exception {
        nic.disconnected();
        mapping.unmap();
        dom0.events().close(port);
        assertEquals(Revocation.ENDED, queue.release());
        assertEquals(0, grants.grantsOutstanding());
        events.close();
        grants.close();
        ports.closeAll();
    }
}
