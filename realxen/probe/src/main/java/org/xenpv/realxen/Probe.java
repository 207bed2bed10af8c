package org.xenpv.realxen;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.xenpv.evtchn.EventChannel;
import org.xenpv.evtchn.internal.BundleEventChannels;
import org.xenpv.evtchn.internal.EventDispatcher;
import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.gnttab.internal.BundleGrantTable;
import org.xenpv.gnttab.internal.GrantLedger;
import org.xenpv.platform.linux.internal.LinuxDevicePorts;
import org.xenpv.platform.spi.PlatformFacts;
import org.xenpv.xenstore.Watch;
import org.xenpv.xenstore.internal.XenStoreClient;
import org.xenpv.xenstore.internal.XsClientConnection;

/**
 * Milestone 1 of the real-Xen harness, run in the domU: the Linux provider
 * against the real /dev/xen devices, and the grant table, event channel and
 * XenStore layers over it. Each check prints one "XENPV-CHECK name OK|FAIL
 * detail" line; dom0 takes part through XenStore keys under data/xenpv.
 */
public final class Probe {
    private static final long STEP_SECONDS = 120;
    private static int failures;

    private Probe() {
    }

    private static void check(String name, boolean ok, String detail) {
        System.out.println("XENPV-CHECK " + name + " " + (ok ? "OK" : "FAIL") + " " + detail);
        if (!ok) {
            failures++;
        }
    }

    public static void main(String[] args) throws Exception {
        LinuxDevicePorts ports = LinuxDevicePorts.standard();
        PlatformFacts facts = ports.platformFacts();
        check("info", facts.version().major() == 4 && facts.version().minor() == 17,
                "xen=" + facts.version() + " domid=" + facts.domid() + " type=" + facts.guestType()
                        + " pci=" + facts.platformPciDevice().map(p -> p.address()).orElse("none"));

        // Reported, not checked: Xen 4.17 answers this unprivileged PV domU's xen_version through privcmd
        // with EPERM (seen in this lab); the facts above come from sysfs, which the provider relies on.
        try (var hypercalls = ports.openHypercallPort()) {
            long version = hypercalls.hypercall(17, 0, 0); // __HYPERVISOR_xen_version, XENVER_version
            System.out.println("XENPV-NOTE hypercall xen_version=0x" + Long.toHexString(version));
        } catch (IOException e) {
            System.out.println("XENPV-NOTE hypercall refused: " + e.getMessage());
        }

        XsClientConnection connection = new XsClientConnection(ports.openXenbusPort(), "/dev/xen/xenbus", 30_000);
        XenStoreClient store = new XenStoreClient(connection);
        String home = store.domainPath(facts.domid());
        String backend = store.read(home + "/device/vif/0/backend");
        check("xenstore-read", backend.startsWith("/local/domain/0/backend/vif/"), "backend=" + backend);
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (Watch watch = store.watch(home + "/device/vif/0/state", events::add)) {
            String first = events.poll(STEP_SECONDS, TimeUnit.SECONDS);
            check("xenstore-watch", (home + "/device/vif/0/state").equals(first), "first event=" + first);
        }

        BundleGrantTable grants = new BundleGrantTable(ports.openGrantAllocPort(), new GrantLedger(), "probe");
        GrantedPages page = grants.grant(0, 1, Access.READ_ONLY);
        ByteBuffer data = page.page(0);
        for (int i = 0; i < 4096; i++) {
            data.put(i, (byte) (i * 13 + 7));
        }
        store.write("data/xenpv/gref", Integer.toString(page.ref(0)));
        String granted = awaitKey(store, "data/xenpv/gnt-result");
        check("grant-to-dom0", "OK".equals(granted), "ref=" + page.ref(0) + " dom0 says " + granted);

        EventDispatcher dispatcher = new EventDispatcher(ports.openEventChannelPort());
        BundleEventChannels events1 = new BundleEventChannels(dispatcher);
        CountDownLatch fromDom0 = new CountDownLatch(1);
        EventChannel channel = events1.bindUnbound(0, c -> fromDom0.countDown());
        store.write("data/xenpv/evtchn", Integer.toString(channel.localPort()));
        boolean heard = fromDom0.await(STEP_SECONDS, TimeUnit.SECONDS);
        check("event-from-dom0", heard, "port=" + channel.localPort());
        channel.notifyRemote();
        String dom0Heard = awaitKey(store, "data/xenpv/evtchn-result");
        check("event-to-dom0", "OK".equals(dom0Heard), "dom0 says " + dom0Heard);

        channel.close();
        events1.deactivate();
        dispatcher.deactivate();
        boolean ended = page.revoke();
        check("revoke", grants.grantsOutstanding() == 0, "ended at once: " + ended + ", grants outstanding: "
                + grants.grantsOutstanding());
        grants.deactivate();
        store.release();
        connection.close();
        System.out.println("XENPV-PROBE-RESULT " + (failures == 0 ? "PASS" : "FAIL " + failures));
        System.exit(failures == 0 ? 0 : 1);
    }

    private static String awaitKey(XenStoreClient store, String key) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_SECONDS);
        BlockingQueue<String> changes = new LinkedBlockingQueue<>();
        try (Watch watch = store.watch(key, changes::add)) {
            while (System.nanoTime() < deadline) {
                var value = store.readIfExists(key);
                if (value.isPresent()) {
                    return value.get();
                }
                changes.poll(1, TimeUnit.SECONDS);
            }
        }
        return "no answer within " + STEP_SECONDS + " s";
    }
}
