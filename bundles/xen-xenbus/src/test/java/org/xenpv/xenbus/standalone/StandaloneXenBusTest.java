package org.xenpv.xenbus.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.xenpv.sim.xenstore.GuestXenbusChannel;
import org.xenpv.sim.xenstore.XenStoreServer;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.standalone.StandaloneXenStore;

/** The bus without OSGi: a listener in place of the service registry, as netfront's standalone driver uses it. */
class StandaloneXenBusTest {
    private static final String HOME = "/local/domain/1";

    private final XenStoreServer server = new XenStoreServer();
    private final BlockingQueue<String> changes = new LinkedBlockingQueue<>();

    private void addDevice(String deviceClass, int id) {
        String backend = "/local/domain/0/backend/" + deviceClass + "/1/" + id;
        server.write(backend, "", "n0", "r1");
        server.write(backend + "/state", "2", "n0", "r1");
        String front = HOME + "/device/" + deviceClass + "/" + id;
        server.write(front, "", "n1", "r0");
        server.write(front + "/backend-id", "0", "n1", "r0");
        server.write(front + "/state", "1", "n1", "r0");
        server.write(front + "/backend", backend, "n1", "r0");
    }

    private String nextChange() throws InterruptedException {
        String change = changes.poll(10, TimeUnit.SECONDS);
        assertNotNull(change, "the bus told the listener within 10 s");
        return change;
    }

    @Test
    void theListenerHearsOfDevicesAndTheirRemovalsAndCloseRemovesTheRest() throws Exception {
        server.write(HOME, "", "n1");
        server.write("/local/domain/0", "", "n0");
        StandaloneXenStore store = StandaloneXenStore.open(new GuestXenbusChannel(server, 1), "guest 1", 10_000);
        StandaloneXenBus bus = StandaloneXenBus.open(store, device -> {
            changes.add("add " + device.busId() + " " + device.backendPath());
            return () -> changes.add("remove " + device.busId());
        });

        addDevice("vif", 0);
        assertEquals("add vif-0 /local/domain/0/backend/vif/1/0", nextChange());
        addDevice("vbd", 51712);
        assertEquals("add vbd-51712 /local/domain/0/backend/vbd/1/51712", nextChange());
        server.remove(HOME + "/device/vif/0");
        assertEquals("remove vif-0", nextChange());
        assertEquals(List.of("vbd-51712"), bus.devices().stream().map(XenBusDevice::busId).toList());

        bus.close();
        assertEquals("remove vbd-51712", nextChange());
        store.close();
        assertEquals(0, server.watchCount(), "no watch left in XenStore");
        assertEquals(List.of(), List.copyOf(changes));
    }
}
