package org.xenpv.xenstore.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.xenpv.sim.xenstore.GuestXenbusChannel;
import org.xenpv.sim.xenstore.XenStoreServer;
import org.xenpv.xenstore.XenStoreException;
import org.xenpv.xenstore.XenStoreTransaction;

/** The XenStore client without OSGi, as the simulated host and the real-Xen probe use it. */
class StandaloneXenStoreTest {

    @Test
    void readsWritesWatchesAndCloseEndsWhatItLeftOpen() throws Exception {
        XenStoreServer server = new XenStoreServer();
        server.write("/local/domain/2", "", "n2");
        StandaloneXenStore store = StandaloneXenStore.open(new GuestXenbusChannel(server, 2), "guest 2", 10_000);

        assertEquals("/local/domain/2", store.domainPath(2));
        store.write("data/greeting", "hello");
        assertEquals("hello", server.read("/local/domain/2/data/greeting"), "relative to the guest's home");
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        store.watch("data", events::add);
        assertEquals("data", events.poll(10, TimeUnit.SECONDS), "a watch fires once at once");
        XenStoreTransaction open = store.startTransaction();
        open.write("data/never", "committed");
        assertEquals(1, server.watchCount());
        assertEquals(1, server.transactionCount());

        store.close();

        assertEquals(0, server.watchCount(), "the watch left open is ended");
        assertEquals(0, server.transactionCount(), "the transaction left open is ended");
        assertEquals(java.util.List.of("greeting"), server.directory("/local/domain/2/data"));
        assertThrows(XenStoreException.class, () -> store.read("data/greeting"), "a closed client refuses");
    }
}
