package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.xenpv.netfront.internal.BystanderTraffic.addressedTo;
import static org.xenpv.netfront.internal.BystanderTraffic.countFrom;
import static org.xenpv.netfront.internal.BystanderTraffic.threadsLeft;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.NicStateListener;
import org.xenpv.net.Offload;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.netback.NetbackFeatures;
import org.xenpv.sim.netback.SimNetback;
import org.xenpv.sim.netback.SimToolstack;

/**
 * Issue 26: dom0 restarts the backend of guest 1's vif-0 again and again while it and guest 2's vif-0 send
 * each other frames without pause, and after one restart in four the guest takes the vif down and up at
 * once. After every restart the vif must be ACTIVE on the new backend and receive a frame from guest 2
 * within {@value #BACK_WITHIN_SECONDS} s; each restart's time back is reported (median, 99th percentile,
 * maximum), and nothing (grants, ports, mappings, threads) is held at the end.
 * <p>
 * {@code -Dxenpv.restartStorm.restarts=N} and {@code -Dxenpv.restartStorm.seed=S} make a longer or another
 * run; the defaults are small and fixed, so that the normal build's result depends only on the commit.
 * Pinned to one CPU ({@code taskset -c 0}) the interleavings are the ones a busy host sees.
 */
class BackendRestartStormTest {
    private static final int RESTARTS = Math.max(1, Integer.getInteger("xenpv.restartStorm.restarts", 300));
    private static final long SEED = Long.getLong("xenpv.restartStorm.seed", 26L);
    private static final long BACK_WITHIN_SECONDS = 10;
    private static final int FRAME_SIZE = 200;

    /** Notified whenever something a waiting test thread looks at may have changed. */
    private final Object progress = new Object();
    /** The restarted vif's Nic and guest, for the report of a lost restart. */
    private Nic restartedNic;
    private SimWorld.Guest restartedGuest;

    @Test
    void everyRestartedBackendIsConnectedAgainWithTrafficBothWaysAndRandomDownUps() throws Exception {
        Set<Thread> threadsBefore = new HashSet<>(Thread.getAllStackTraces().keySet());
        SimWorld world = new SimWorld();
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread[] senders = {};
        try {
            SimWorld.Guest guest = world.guest(1);
            SimWorld.Guest peerGuest = world.guest(2);
            world.addVif(guest, NetbackFeatures.LINUX);
            world.addVif(peerGuest, NetbackFeatures.LINUX);
            Nic restarted = guest.awaitNic("vif-0");
            Nic peer = peerGuest.awaitNic("vif-0");
            restartedNic = restarted;
            restartedGuest = guest;
            AtomicLong atRestarted = new AtomicLong();
            AtomicLong atPeer = new AtomicLong();
            restarted.setReceiver((queue, frame, offload) -> {
                if (addressedTo(restarted, frame)) {
                    countFrom(peer, frame, atRestarted);
                    progressed();
                }
            });
            peer.setReceiver((queue, frame, offload) -> {
                if (addressedTo(peer, frame)) {
                    countFrom(restarted, frame, atPeer);
                }
            });
            restarted.addStateListener(new NicStateListener() {
                @Override
                public void stateChanged(Nic nic, NicState state) {
                    progressed();
                }
            });
            Domain guestDomain = guest.domain;
            int grantsConnected = guestDomain.grants().activeGrants();
            int portsConnected = guestDomain.events().openPorts();
            int mappingsConnected = world.hypervisor.domain(0).orElseThrow().grantMappingsHeld();

            senders = new Thread[] {sender("storm-to-peer", restarted, peer, sending),
                sender("storm-to-restarted", peer, restarted, sending)};
            Random random = new Random(SEED);
            long[] backNanos = new long[RESTARTS];
            int downUps = 0;
            long stormStart = System.nanoTime();
            for (int i = 0; i < RESTARTS; i++) {
                boolean downUp = random.nextInt(4) == 0;
                long start = System.nanoTime();
                long deadline = start + TimeUnit.SECONDS.toNanos(BACK_WITHIN_SECONDS);
                CompletableFuture<SimToolstack.Vif> restart = world.toolstack.restartBackend(1, 0,
                        NetbackFeatures.LINUX);
                if (downUp) {
                    restarted.down();
                    restarted.up();
                    downUps++;
                }
                SimNetback backend = newBackend(world, restart, deadline, i);
                awaitBack(world, i, deadline, "ACTIVE on the new backend", () -> backend.backendState()
                        == XenbusState.CONNECTED && guest.nics.get("vif-0") == restarted
                        && restarted.state() == NicState.ACTIVE);
                long receivedWhenActive = atRestarted.get();
                awaitBack(world, i, deadline, "a frame from guest 2 received",
                        () -> atRestarted.get() > receivedWhenActive);
                backNanos[i] = System.nanoTime() - start;
            }
            long stormNanos = System.nanoTime() - stormStart;

            long toPeerBefore = atPeer.get();
            long toRestartedBefore = atRestarted.get();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BACK_WITHIN_SECONDS);
            awaitBack(world, RESTARTS, deadline, "frames still flowing both ways",
                    () -> atPeer.get() > toPeerBefore && atRestarted.get() > toRestartedBefore);
            sending.set(false);
            for (Thread sender : senders) {
                sender.join();
            }
            report(backNanos, downUps, stormNanos);
            // Each restart released what the connection before it held: as much held now as after the first.
            assertEquals(grantsConnected, guestDomain.grants().activeGrants(), "guest 1's grants after the storm");
            assertEquals(portsConnected, guestDomain.events().openPorts(), "guest 1's ports after the storm");
            assertEquals(mappingsConnected, world.hypervisor.domain(0).orElseThrow().grantMappingsHeld(),
                    "dom0's mappings after the storm");
        } finally {
            sending.set(false);
            for (Thread sender : senders) {
                sender.join();
            }
            world.close();
        }
        world.assertClean();
        SimWorld.waitFor("the threads of the storm's guests and backends to end",
                () -> threadsLeft(threadsBefore).isEmpty());
    }

    /** Sends frames from {@code from} to {@code to} until told to stop; a refused frame is offered again. */
    private static Thread sender(String name, Nic from, Nic to, AtomicBoolean sending) {
        ByteBuffer frame = NetfrontExchangeTest.frame(to.macAddress(), from.macAddress(), FRAME_SIZE);
        Thread thread = new Thread(() -> {
            while (sending.get()) {
                if (!from.send(frame.duplicate(), Offload.NONE)) {
                    Thread.yield(); // a full ring or a vif down: the others need the CPU to change that
                }
            }
        }, name);
        thread.start();
        return thread;
    }

    private SimNetback newBackend(SimWorld world, CompletableFuture<SimToolstack.Vif> restart, long deadline,
            int index) throws InterruptedException {
        try {
            return restart.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).backend();
        } catch (ExecutionException | TimeoutException e) {
            lost(world, index, "the frontend let go of the old backend", e.toString());
            throw new AssertionError("unreachable");
        }
    }

    /** Waits, woken by the vif's state changes and frames, until {@code back} holds; past the deadline fails. */
    private void awaitBack(SimWorld world, int index, long deadline, String what, BooleanSupplier back)
            throws InterruptedException {
        while (!back.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                lost(world, index, what, "");
            }
            synchronized (progress) {
                // Bounded: the backend's state and the Nic's publication change without telling this thread.
                TimeUnit.NANOSECONDS.timedWait(progress, Math.min(left, TimeUnit.MILLISECONDS.toNanos(1)));
            }
        }
    }

    private void progressed() {
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private void lost(SimWorld world, int index, String what, String cause) {
        fail("restart " + index + " of " + RESTARTS + " (seed " + SEED + ") lost the vif: not " + what + " within "
                + BACK_WITHIN_SECONDS + " s " + cause + "; frontend state "
                + world.store.read(SimNetback.frontendPath(1, 0) + "/state") + ", backend state "
                + world.store.read(SimNetback.backendPath(1, 0) + "/state") + "; Nic " + restartedNic.state()
                + (restartedGuest.nics.get("vif-0") == restartedNic ? ", published" : ", not published")
                + restartedNic.info().brokenReason().map(reason -> ", broken: " + reason).orElse("")
                + "; the threads then:\n" + SimWorld.threadDump());
    }

    private static void report(long[] backNanos, int downUps, long stormNanos) {
        long[] sorted = backNanos.clone();
        Arrays.sort(sorted);
        System.out.printf("restart storm: %d restarts (seed %d, %d with a down/up) in %.1f s; time back: "
                + "median %.2f ms, p99 %.2f ms, max %.2f ms%n", sorted.length, SEED, downUps, stormNanos / 1e9,
                millis(percentile(sorted, 50)), millis(percentile(sorted, 99)), millis(sorted[sorted.length - 1]));
    }

    /** The nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, int percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
