package org.xenpv.xenbus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.abi.xs.XsError;
import org.xenpv.sim.xenstore.GuestXenbusChannel;
import org.xenpv.sim.xenstore.XenStoreServer;
import org.xenpv.xenbus.BackendStateListener;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStoreException;
import org.xenpv.xenstore.standalone.StandaloneXenStore;

/** The bus follows device/vif/N entries as a toolstack adds and removes them. */
class FrontendBusTest {
    private static final long BOUND_SECONDS = 10;
    private static final String HOME = "/local/domain/1";

    private XenStoreServer server;
    private StandaloneXenStore store;
    private FrontendBus bus;
    private final BlockingQueue<String> changes = new LinkedBlockingQueue<>();
    private final BlockingQueue<XenBusDevice> added = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        server = new XenStoreServer();
        server.write(HOME, "", "n1");
        server.write("/local/domain/0", "", "n0");
        store = StandaloneXenStore.open(new GuestXenbusChannel(server, 1), "guest 1", 10_000);
        bus = new FrontendBus(store, (device, properties) -> {
            added.add(device);
            changes.add("add " + new java.util.TreeMap<>(properties));
            return () -> changes.add("remove " + device.busId());
        });
    }

    @AfterEach
    void stop() {
        bus.close();
        store.close();
        assertEquals(0, server.watchCount());
    }

    /** A vif as libxl lays it out: the frontend directory owned by the guest, the backend dom0's. */
    private void addVif(int id, String mac) {
        String backend = "/local/domain/0/backend/vif/1/" + id;
        server.write(backend, "", "n0", "r1");
        server.write(backend + "/frontend", HOME + "/device/vif/" + id, "n0", "r1");
        server.write(backend + "/frontend-id", "1", "n0", "r1");
        server.write(backend + "/mac", mac, "n0", "r1");
        server.write(backend + "/feature-sg", "1", "n0", "r1");
        server.write(backend + "/feature-rx-copy", "1", "n0", "r1");
        server.write(backend + "/feature-gso-tcpv4", "0", "n0", "r1");
        server.write(backend + "/multi-queue-max-queues", "4", "n0", "r1");
        server.write(backend + "/state", "2", "n0", "r1");
        String front = HOME + "/device/vif/" + id;
        server.write(front, "", "n1", "r0");
        server.write(front + "/backend-id", "0", "n1", "r0");
        server.write(front + "/mac", mac, "n1", "r0");
        server.write(front + "/state", "1", "n1", "r0");
        server.write(front + "/backend", backend, "n1", "r0");
    }

    private String nextChange() throws InterruptedException {
        String change = changes.poll(BOUND_SECONDS, TimeUnit.SECONDS);
        assertNotNull(change, "the bus reacted within " + BOUND_SECONDS + " s");
        return change;
    }

    @Test
    void devicesAppearAndDisappearWithTheirProperties() throws Exception {
        addVif(0, "00:16:3e:00:00:01");
        assertEquals("add {xenbus.backend=/local/domain/0/backend/vif/1/0, xenbus.backend.domid=0,"
                + " xenbus.class=vif, xenbus.id=0, xenbus.node=device/vif/0}", nextChange());
        addVif(1, "00:16:3e:00:00:02");
        assertEquals("add {xenbus.backend=/local/domain/0/backend/vif/1/1, xenbus.backend.domid=0,"
                + " xenbus.class=vif, xenbus.id=1, xenbus.node=device/vif/1}", nextChange());
        assertEquals(2, bus.devices().size());

        server.remove(HOME + "/device/vif/0");
        assertEquals("remove vif-0", nextChange());
        assertEquals(1, bus.devices().size());
        assertEquals("1", bus.devices().get(0).id());
        server.remove(HOME + "/device");
        assertEquals("remove vif-1", nextChange());
        assertEquals(0, bus.devices().size());
    }

    /** As after xl restore: the toolstack gives the device a new backend; the old one is gone. */
    @Test
    void aDeviceWhoseBackendMovesIsPublishedAnew() throws Exception {
        addVif(0, "00:16:3e:00:00:01");
        nextChange();
        String moved = "/local/domain/0/backend/vif/2/0";
        server.write(moved + "/state", "2", "n0", "r1");
        server.remove("/local/domain/0/backend/vif/1/0");
        server.write(HOME + "/device/vif/0/backend", moved, "n1", "r0");
        assertEquals("remove vif-0", nextChange());
        assertEquals("add {xenbus.backend=" + moved + ", xenbus.backend.domid=0,"
                + " xenbus.class=vif, xenbus.id=0, xenbus.node=device/vif/0}", nextChange());
        assertEquals(moved, bus.devices().get(0).backendPath());
    }

    @Test
    void aDeviceWithoutAValidBackendIsNotPublished() throws Exception {
        server.write(HOME + "/device/vif/5/backend", "not-a-path", "n1", "r0");
        server.write(HOME + "/device/vif/5/backend-id", "0", "n1", "r0");
        server.write(HOME + "/device/vif/6/backend", "/local/domain/0/backend/vif/1/6", "n1", "r0");
        server.write(HOME + "/device/vif/6/backend-id", "99999", "n1", "r0");
        server.write(HOME + "/device/vif/8/backend", "/local/domain/0/backend/vif/1/8", "n1", "r0");
        server.write(HOME + "/device/vif/8/backend-id", "+0", "n1", "r0");
        server.write(HOME + "/device/vif/9/backend", "/local/domain/0/backend/vif/1/9", "n1", "r0");
        server.write(HOME + "/device/vif/9/backend-id", "\u0660", "n1", "r0");
        addVif(7, "00:16:3e:00:00:07");
        assertTrue(nextChange().contains("xenbus.id=7"), "only the valid device appeared");
        bus.rescan();
        assertNull(changes.poll(), "nothing else was published");
    }

    @Test
    void theDeviceOffersStatesFeaturesAndTypedReads() throws Exception {
        addVif(0, "00:16:3e:00:00:01");
        nextChange();
        XenBusDevice vif = added.take();
        assertEquals("vif-0", vif.busId());
        assertEquals(XenbusState.INITIALISING, vif.state());
        assertEquals(XenbusState.INIT_WAIT, vif.backendState());
        assertEquals(Set.of("sg", "rx-copy"), vif.backendFeatures());
        assertTrue(vif.backendFeature("sg"));
        assertEquals(4, vif.readBackendInt("multi-queue-max-queues").orElseThrow());
        assertEquals("00:16:3e:00:00:01", vif.read("mac").orElseThrow());
        server.write("/local/domain/0/backend/vif/1/0/multi-queue-max-queues", "-4");
        assertEquals(XsError.EINVAL, assertThrows(XenStoreException.class,
                () -> vif.readBackendInt("multi-queue-max-queues")).error());

        vif.switchState(XenbusState.CONNECTED);
        assertEquals("4", server.read(HOME + "/device/vif/0/state"));

        server.write("/local/domain/0/backend/vif/1/0/state", "banana");
        assertEquals(XenbusState.UNKNOWN, vif.backendState(), "a malformed state reads as Unknown");

        vif.writeError(22, "bad ring size");
        assertEquals("22 bad ring size", server.read(HOME + "/error/device/vif/0/error"));
    }

    @Test
    void theBackendStateIsObservableAndAwaitable() throws Exception {
        addVif(0, "00:16:3e:00:00:01");
        nextChange();
        XenBusDevice vif = added.take();
        BlockingQueue<XenbusState> seen = new LinkedBlockingQueue<>();
        try (AutoCloseable observation = vif.observeBackendState(seen::add)) {
            assertEquals(XenbusState.INIT_WAIT, seen.poll(BOUND_SECONDS, TimeUnit.SECONDS), "the current state first");
            server.write("/local/domain/0/backend/vif/1/0/state", "4");
            assertEquals(XenbusState.CONNECTED, seen.poll(BOUND_SECONDS, TimeUnit.SECONDS));
        }
        assertEquals(XenbusState.CONNECTED, vif.awaitBackendState(Set.of(XenbusState.CONNECTED),
                Duration.ofSeconds(BOUND_SECONDS)));
        assertThrows(TimeoutException.class, () -> vif.awaitBackendState(Set.of(XenbusState.CLOSED),
                Duration.ofMillis(100)));
        assertEquals(1, server.watchCount(), "only the bus's own watch is left");
    }

    @Test
    void aBackendStateThatCouldNotBeReadIsToldAndTheNextOneIsToldEvenIfUnchanged() throws Exception {
        StandaloneXenStore impatient = StandaloneXenStore.open(new GuestXenbusChannel(server, 1), "guest 1", 300);
        BlockingQueue<XenBusDevice> found = new LinkedBlockingQueue<>();
        FrontendBus ownBus = new FrontendBus(impatient, (device, properties) -> {
            found.add(device);
            return () -> { };
        });
        try {
            addVif(0, "00:16:3e:00:00:01");
            XenBusDevice vif = found.poll(BOUND_SECONDS, TimeUnit.SECONDS);
            BlockingQueue<Object> told = new LinkedBlockingQueue<>();
            try (AutoCloseable observation = vif.observeBackendState(new BackendStateListener() {
                @Override
                public void backendState(XenbusState state) {
                    told.add(state);
                }

                @Override
                public void backendStateUnreadable(XenStoreException cause) {
                    told.add(cause);
                }
            })) {
                assertEquals(XenbusState.INIT_WAIT, told.poll(BOUND_SECONDS, TimeUnit.SECONDS));
                server.stopAnswering(1);
                server.write("/local/domain/0/backend/vif/1/0/state", "4");
                Object unreadable = told.poll(BOUND_SECONDS, TimeUnit.SECONDS);
                assertTrue(unreadable instanceof XenStoreException failure && failure.error() == XsError.EIO,
                        String.valueOf(unreadable));
                server.answerAgain(1);
                // Back to the state told last: told again, since the change in between was never seen.
                server.write("/local/domain/0/backend/vif/1/0/state", "2");
                assertEquals(XenbusState.INIT_WAIT, told.poll(BOUND_SECONDS, TimeUnit.SECONDS));
            }
        } finally {
            ownBus.close();
            impatient.close();
        }
    }

    @Test
    void driversAreBoundToADeviceOneAtATime() throws Exception {
        addVif(0, "00:16:3e:00:00:01");
        nextChange();
        XenBusDevice vif = added.take();
        XenBusDevice.DriverBinding first = vif.bindDriver().toCompletableFuture().get(BOUND_SECONDS, TimeUnit.SECONDS);
        CompletableFuture<XenBusDevice.DriverBinding> second = vif.bindDriver().toCompletableFuture();
        CompletableFuture<XenBusDevice.DriverBinding> third = vif.bindDriver().toCompletableFuture();
        assertFalse(second.isDone() || third.isDone(), "later drivers wait while the first holds the device");
        first.close();
        XenBusDevice.DriverBinding secondBinding = second.get(BOUND_SECONDS, TimeUnit.SECONDS);
        assertFalse(third.isDone(), "the third waits for the second, not only for the first");
        first.close(); // closing twice frees no one else
        assertFalse(third.isDone(), "a second close of the first binding lets no one in");
        secondBinding.close();
        third.get(BOUND_SECONDS, TimeUnit.SECONDS).close();
    }
}
