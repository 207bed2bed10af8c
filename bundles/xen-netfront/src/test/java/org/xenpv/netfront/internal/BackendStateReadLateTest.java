package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimNetback;

/**
 * Issue 26: a backend restart could leave a vif with its frontend Initialising and its backend in InitWait
 * for good. A restarted backend goes InitWait, Closed (it finds the frontend still Closed), InitWait again
 * (the frontend went Initialising); the watch read InitWait and told the device, whose thread, behind, read
 * Closed instead and so waited for InitWait; the watch's next event, coalesced and read only after the
 * backend was back in InitWait, looked like no change and was not told. Here dom0 writes the backend's
 * states by hand while the test holds the watch thread and the device's thread to get that order.
 */
class BackendStateReadLateTest {
    private static final NetbackFeatures ONE_QUEUE =
            new NetbackFeatures(true, true, true, true, true, true, false, 1);
    private static final NetfrontConfig CONFIG = new NetfrontConfig(1, 256, 256, 2_000);
    private static final String BACKEND_STATE = SimNetback.backendPath(1, 0) + "/state";
    private static final String FRONTEND_STATE = SimNetback.frontendPath(1, 0) + "/state";

    private final Faults faults = new Faults();
    private Set<Thread> threadsBefore;
    private SimWorld world;
    private SimWorld.Guest guest;

    @BeforeEach
    void connect() throws Exception {
        threadsBefore = new HashSet<>(Thread.getAllStackTraces().keySet());
        world = new SimWorld();
        guest = world.guest(1, CONFIG, faults);
        world.addVif(guest, ONE_QUEUE);
        guest.awaitNic("vif-0");
    }

    @AfterEach
    void close() throws Exception {
        world.close();
        world.assertClean();
        SimWorld.waitFor("the threads of the test's guest and backends to end",
                () -> BystanderTraffic.threadsLeft(threadsBefore).isEmpty());
    }

    @Test
    void anInitWaitTheDeviceReadAsClosedIsActedOnOnceTheBackendIsBackInIt() throws Exception {
        Nic nic = guest.nics.get("vif-0");
        // The old backend stops and says Closed, as a restart begins; the device tears down and asks for a
        // new backend: frontend Initialising, backend Closed.
        world.toolstack.vif(1, 0).orElseThrow().backend().close();
        setBackendState(XenbusState.CLOSED);
        SimWorld.waitFor("the frontend Initialising", () -> frontendState() == XenbusState.INITIALISING);

        CountDownLatch deviceMayRead = new CountDownLatch(1);
        CountDownLatch initWaitTold = new CountDownLatch(1);
        CountDownLatch watchMayGoOn = new CountDownLatch(1);
        faults.backendStateReadGate = deviceMayRead;
        faults.afterBackendStateTold = state -> {
            if (state == XenbusState.INIT_WAIT && initWaitTold.getCount() > 0) {
                initWaitTold.countDown();
                awaitUninterruptibly(watchMayGoOn);
            }
        };
        try {
            // The new backend offers InitWait: the watch reads it and tells the device, then is held.
            setBackendState(XenbusState.INIT_WAIT);
            assertTrue(initWaitTold.await(SimWorld.BOUND_SECONDS, TimeUnit.SECONDS), "InitWait told");
            SimWorld.waitFor("the device's thread at its read of the backend's state",
                    () -> faults.backendStateReader != null);
            // It finds the frontend still Closed (as it was an instant ago) and goes Closed; the watch's event
            // for that waits behind the held watch thread.
            setBackendState(XenbusState.CLOSED);
            deviceMayRead.countDown();
            Thread device = faults.backendStateReader;
            SimWorld.waitFor("the device's thread idle with nothing scheduled, having read Closed",
                    () -> idleWithNothingScheduled(device));
            // The frontend's Initialising takes it back to InitWait before the watch reads the state again.
            setBackendState(XenbusState.INIT_WAIT);
        } finally {
            faults.backendStateReadGate = null;
            watchMayGoOn.countDown();
        }
        faults.afterBackendStateTold = null;

        SimWorld.waitFor("the device's handshake for the backend in InitWait",
                () -> frontendState() == XenbusState.CONNECTED);
        // A backend that connects from here finds a usable handshake: the vif is ACTIVE again.
        SimNetback next = world.toolstack.restartBackend(1, 0, ONE_QUEUE).get(SimWorld.BOUND_SECONDS,
                TimeUnit.SECONDS).backend();
        SimWorld.waitFor("the vif ACTIVE on the new backend", () -> next.backendState() == XenbusState.CONNECTED
                && guest.nics.get("vif-0") == nic && nic.state() == NicState.ACTIVE);
        assertSame(nic, guest.awaitNic("vif-0"));
        assertEquals(0, world.toolstack.netbackFatalErrors());
    }

    private void setBackendState(XenbusState state) {
        world.store.write(BACKEND_STATE, Integer.toString(state.code()));
    }

    private XenbusState frontendState() {
        String value = world.store.read(FRONTEND_STATE);
        return value == null ? XenbusState.UNKNOWN : XenbusState.fromCode(Long.parseLong(value.trim()));
    }

    /**
     * A device's thread (a single-thread scheduled executor) parked for its next task with none queued:
     * untimed waiting in the work queue's take, where a scheduled retry would make the wait a timed one.
     */
    private static boolean idleWithNothingScheduled(Thread device) {
        return device.getState() == Thread.State.WAITING && Arrays.stream(device.getStackTrace()).anyMatch(
                frame -> frame.getClassName().endsWith("DelayedWorkQueue") && frame.getMethodName().equals("take"));
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
