package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.ring.BackRing;
import org.xenpv.evtchn.StandaloneEventChannels;
import org.xenpv.gnttab.Revocation;
import org.xenpv.gnttab.StandaloneGrantTable;
import org.xenpv.net.MacAddress;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.ports.SimDevicePorts;

/**
 * The RX event while the queue's thread polls, against a backend played by
 * the test on the RX ring's page: the thread asks for an event (rsp_event)
 * only when it stops polling, so a response published during a pass or a
 * poll is announced by no event, and one published exactly as the poll ends
 * is still taken. The test holds the queue's RX lock to stop the thread at
 * its last look, between the end of its poll and its request for an event,
 * and publishes there: the window in which an event suppressed while polling
 * could leave a frame unseen for good.
 */
class RxEventSuppressionTest {
    private static final int GUEST = 1;
    /** Rounds in which the test stops the thread at its last look (pinned to one CPU, about 1 in 40 tries). */
    private static final int ROUNDS = 10;
    private static final int TRIES = 10_000;

    private SimDevicePorts ports;
    private Domain dom0;
    private StandaloneGrantTable grants;
    private StandaloneEventChannels events;
    private NetfrontNic nic;
    private NetfrontQueue queue;
    private GrantMapping rxMapping;
    private BackRing backend;
    private int rxPort;
    private Thread worker;
    private final AtomicInteger notifications = new AtomicInteger();
    private final BlockingQueue<Integer> received = new LinkedBlockingQueue<>();

    @BeforeEach
    void queueAndBackend() throws Exception {
        Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(4096, 64));
        dom0 = hypervisor.createDomain(0, "Domain-0");
        Domain guest = hypervisor.createDomain(GUEST, "guest1");
        ports = new SimDevicePorts(guest, null);
        grants = StandaloneGrantTable.open(ports.openGrantAllocPort(), "netfront");
        events = StandaloneEventChannels.open(ports.openEventChannelPort());
        // Split channels: the test plays the RX ring's backend only.
        Negotiated negotiated = new Negotiated(false, false, false, false, true, 1, true);
        nic = new NetfrontNic("vif-0", MacAddress.parse("00:16:3e:00:00:01"), 1500, 0, () -> { });
        queue = new NetfrontQueue(0, "xenpv-netfront-vif-0-q0", 0, grants, events, negotiated, 32, 32,
                nic.counters(0), nic);
        rxMapping = guest.grants().map(dom0, queue.rxRingRef(), false);
        backend = BackRing.attach(rxMapping.page(), Netif.RX_RING);
        rxPort = dom0.events().bindInterdomain(GUEST, queue.rxEventPort(), port -> notifications.incrementAndGet());
        nic.setReceiver((q, frame, offload) -> received.add(frame.remaining()));
        nic.connected(new NetfrontQueue[] {queue}, negotiated);
        worker = queueThread();
    }

    @AfterEach
    void release() throws Exception {
        nic.disconnected();
        rxMapping.unmap();
        dom0.events().close(rxPort);
        assertEquals(Revocation.ENDED, queue.release());
        assertEquals(0, grants.grantsOutstanding());
        events.close();
        grants.close();
        ports.closeAll();
    }

    private static Thread queueThread() {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("xenpv-netfront-vif-0-q0") && thread.isAlive()) {
                return thread;
            }
        }
        throw new AssertionError("the queue's thread is not running");
    }

    /** Answers the next posted buffer with a frame of {@code length} bytes, as netback would, unpublished. */
    private void respond(int length) {
        ByteBuffer page = backend.page();
        assertTrue(backend.unconsumedRequests() > 0, "a buffer is posted");
        int at = backend.consumeRequestSlot();
        int id = Short.toUnsignedInt(page.getShort(at + RxRequest.ID_OFFSET));
        RxResponse.write(page, backend.claimResponseSlot(), id, 0, 0, length);
    }

    /** Publishes what was answered; notifies only when rsp_event asks, as netback does. Returns whether it did. */
    private boolean publish() throws Exception {
        if (backend.pushResponsesAndCheckNotify()) {
            dom0.events().send(rxPort);
            return true;
        }
        return false;
    }

    /** The queue's thread sleeps until an event, having asked for one at its consumer. */
    private boolean parkedAndArmed() {
        return worker.getState() == Thread.State.WAITING && LockSupport.getBlocker(worker) == queue
                && !queue.wakePending();
    }

    @Test
    void aResponsePublishedAsThePollEndsIsTakenWithoutAnEvent() throws Exception {
        ReentrantLock rxLock = queue.rxLockForTests();
        int caught = 0;
        for (int round = 0; caught < ROUNDS; round++) {
            assertTrue(round < TRIES, "the test took the RX lock before the poll ended in only " + caught
                    + " of " + round + " rounds");
            SimWorld.waitFor("the queue's thread to park, round " + round, this::parkedAndArmed);
            respond(60);
            assertTrue(publish(), "a response to a parked thread is announced");
            // Taken on the queue's thread, which then polls: the test takes the RX lock, mostly before the
            // poll ends; when not, the thread has parked meanwhile and the round is played again.
            assertEquals(60, received.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS), "round " + round);
            rxLock.lock();
            try {
                SimWorld.waitFor("the queue's thread at its last look or parked, round " + round,
                        () -> rxLock.hasQueuedThread(worker) || parkedAndArmed());
                if (!rxLock.hasQueuedThread(worker)) {
                    continue;
                }
                caught++;
                respond(1000 + round);
                assertFalse(publish(), "no event while the queue's thread has not asked for one");
            } finally {
                rxLock.unlock();
            }
            assertEquals(1000 + round, received.poll(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS),
                    "the response published at the poll's end, round " + round);
        }
    }
}
