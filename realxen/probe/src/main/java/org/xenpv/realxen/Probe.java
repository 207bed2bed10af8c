package org.xenpv.realxen;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.xenpv.evtchn.EventChannel;
import org.xenpv.evtchn.EventChannels;
import org.xenpv.evtchn.standalone.StandaloneEventChannels;
import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.gnttab.GrantedPages;
import org.xenpv.gnttab.Revocation;
import org.xenpv.gnttab.standalone.StandaloneGrantTable;
import org.xenpv.net.FrameReceiver;
import org.xenpv.net.MacAddress;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.Offload;
import org.xenpv.netfront.standalone.StandaloneNetfront;
import org.xenpv.platform.linux.LinuxDevicePortProviders;
import org.xenpv.platform.spi.DevicePortProvider;
import org.xenpv.platform.spi.PlatformFacts;
import org.xenpv.xenbus.standalone.StandaloneXenBus;
import org.xenpv.xenstore.Watch;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.standalone.StandaloneXenStore;

/**
 * Milestone 1 of the real-Xen harness, run in the domU: the Linux provider
 * against the real /dev/xen devices, and the grant table, event channel and
 * XenStore layers over it, each made by its standalone factory (the supported
 * way to run the layers without OSGi). Each check prints one "XENPV-CHECK name OK|FAIL
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
        DevicePortProvider ports = LinuxDevicePortProviders.standard();
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

        StandaloneXenStore store = StandaloneXenStore.open(ports.openXenbusPort(), "/dev/xen/xenbus", 30_000);
        String home = store.domainPath(facts.domid());
        String backend = store.read(home + "/device/vif/0/backend");
        check("xenstore-read", backend.startsWith("/local/domain/0/backend/vif/"), "backend=" + backend);
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (Watch watch = store.watch(home + "/device/vif/0/state", events::add)) {
            String first = events.poll(STEP_SECONDS, TimeUnit.SECONDS);
            check("xenstore-watch", (home + "/device/vif/0/state").equals(first), "first event=" + first);
        }

        StandaloneGrantTable grants = StandaloneGrantTable.open(ports.openGrantAllocPort(), "probe");
        GrantedPages page = grants.grant(0, 1, Access.READ_ONLY);
        ByteBuffer data = page.page(0);
        for (int i = 0; i < 4096; i++) {
            data.put(i, (byte) (i * 13 + 7));
        }
        store.write("data/xenpv/gref", Integer.toString(page.ref(0)));
        String granted = awaitKey(store, "data/xenpv/gnt-result");
        check("grant-to-dom0", "OK".equals(granted), "ref=" + page.ref(0) + " dom0 says " + granted);

        StandaloneEventChannels events1 = StandaloneEventChannels.open(ports.openEventChannelPort());
        CountDownLatch fromDom0 = new CountDownLatch(1);
        EventChannel channel = events1.bindUnbound(0, c -> fromDom0.countDown());
        store.write("data/xenpv/evtchn", Integer.toString(channel.localPort()));
        boolean heard = fromDom0.await(STEP_SECONDS, TimeUnit.SECONDS);
        check("event-from-dom0", heard, "port=" + channel.localPort());
        channel.notifyRemote();
        String dom0Heard = awaitKey(store, "data/xenpv/evtchn-result");
        check("event-to-dom0", "OK".equals(dom0Heard), "dom0 says " + dom0Heard);

        channel.close();
        milestoneTwo(store, home, grants, events1, facts.domid());
        events1.close();
        // gntalloc does not tell whether dom0 still mapped the page: the Linux port answers UNKNOWN.
        Revocation outcome = page.revoke();
        check("revoke", grants.grantsOutstanding() == 0, "outcome: " + outcome + ", grants outstanding: "
                + grants.grantsOutstanding());
        grants.close();
        store.close();
        System.out.println("XENPV-PROBE-RESULT " + (failures == 0 ? "PASS" : "FAIL " + failures));
        System.exit(failures == 0 ? 0 : 1);
    }

    private static final int GUEST_IP = 0xc0000202; // 192.0.2.2
    private static final int DOM0_IP = 0xc0000201; // 192.0.2.1, dom0's bridge

    /** Milestone 2: xenpv's netfront drives the real vif; dom0's kernel answers ARP and ping through it. */
    private static void milestoneTwo(XenStore store, String home, GrantTable grants, EventChannels events, int domid)
            throws Exception {
        int grantsBefore = grants.grantsOutstanding();
        java.util.Map<String, Nic> nics = new java.util.concurrent.ConcurrentHashMap<>();
        StandaloneNetfront netfronts = StandaloneNetfront.open(store, grants, events,
                StandaloneNetfront.Settings.DEFAULTS, nic -> {
                    nics.put(nic.name(), nic);
                    return () -> nics.remove(nic.name());
                });
        StandaloneXenBus bus = StandaloneXenBus.open(store, home, netfronts::deviceAdded);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_SECONDS);
        while ((nics.get("vif-0") == null || nics.get("vif-0").state() != NicState.ACTIVE)
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Nic nic = nics.get("vif-0");
        String frontendState = store.read(home + "/device/vif/0/state");
        String backendPath = store.read(home + "/device/vif/0/backend");
        String backendState = store.read(backendPath + "/state");
        boolean connected = nic != null && nic.state() == NicState.ACTIVE;
        check("netfront-connected", connected && "4".equals(frontendState) && "4".equals(backendState),
                "frontend=" + frontendState + " backend=" + backendState + (nic == null ? "" : " queues="
                        + nic.queueCount() + " features=" + nic.info().features()));
        if (!connected) {
            bus.close();
            netfronts.closeAll().get(STEP_SECONDS, TimeUnit.SECONDS);
            return;
        }
        BlockingQueue<ByteBuffer> arrivals = new LinkedBlockingQueue<>();
        FrameReceiver collect = (queue, frame, offload) -> {
            ByteBuffer copy = ByteBuffer.allocate(frame.remaining());
            copy.put(0, frame, frame.position(), frame.remaining());
            arrivals.add(copy);
        };
        nic.setReceiver(collect);

        ByteBuffer arp = ByteBuffer.allocate(60);
        MacAddress.BROADCAST.write(arp, 0);
        nic.macAddress().write(arp, 6);
        arp.putShort(12, (short) 0x0806).putShort(14, (short) 1).putShort(16, (short) 0x0800).put(18, (byte) 6)
                .put(19, (byte) 4).putShort(20, (short) 1);
        nic.macAddress().write(arp, 22);
        arp.putInt(28, GUEST_IP).putInt(38, DOM0_IP);
        ByteBuffer reply = null;
        for (int attempt = 0; attempt < 5 && reply == null; attempt++) {
            nic.send(arp.duplicate(), Offload.NONE);
            reply = awaitFrame(arrivals, f -> f.limit() >= 42 && f.getShort(12) == 0x0806 && f.getShort(20) == 2
                    && f.getInt(28) == DOM0_IP && f.getInt(38) == GUEST_IP, 5);
        }
        check("arp", reply != null && MacAddress.read(reply, 32).equals(nic.macAddress()),
                reply == null ? "no ARP reply from 192.0.2.1" : "192.0.2.1 is at " + MacAddress.read(reply, 22));
        if (reply != null) {
            MacAddress dom0 = MacAddress.read(reply, 22);
            int payload = 56;
            ByteBuffer ping = ByteBuffer.allocate(14 + 20 + 8 + payload);
            dom0.write(ping, 0);
            nic.macAddress().write(ping, 6);
            ping.putShort(12, (short) 0x0800).put(14, (byte) 0x45).putShort(16, (short) (20 + 8 + payload))
                    .putShort(18, (short) 0x4242).put(22, (byte) 64).put(23, (byte) 1).putInt(26, GUEST_IP)
                    .putInt(30, DOM0_IP);
            ping.putShort(24, (short) checksum(ping, 14, 20));
            ping.put(34, (byte) 8).putShort(38, (short) 0x1234).putShort(40, (short) 1);
            for (int i = 0; i < payload; i++) {
                ping.put(42 + i, (byte) (i + 0x20));
            }
            ping.putShort(36, (short) checksum(ping, 34, 8 + payload));
            nic.send(ping.duplicate(), Offload.NONE);
            ByteBuffer echo = awaitFrame(arrivals, f -> f.limit() >= 42 && f.getShort(12) == 0x0800
                    && f.get(23) == 1 && f.get(34) == 0 && f.getShort(38) == 0x1234, 10);
            boolean same = echo != null && checksum(echo, 14, 20) == 0
                    && checksum(echo, 34, (echo.getShort(16) & 0xffff) - 20) == 0;
            for (int i = 0; same && i < payload; i++) {
                same = echo.get(42 + i) == (byte) (i + 0x20);
            }
            check("icmp-echo", same, echo == null ? "no echo reply" : "echo reply from " + MacAddress.read(echo, 6)
                    + " with valid checksums and the payload intact");
        }
        org.xenpv.net.NicStatistics.QueueCounters total = nic.statistics().total();
        store.write("data/xenpv/stats", total.txPackets() + " " + total.rxPackets());
        String dom0Says = awaitKey(store, "data/xenpv/stats-result");
        check("dom0-counters", "OK".equals(dom0Says), "guest tx=" + total.txPackets() + " rx=" + total.rxPackets()
                + "; dom0 says " + dom0Says);
        nic.clearReceiver(collect);
        bus.close();
        netfronts.closeAll().get(STEP_SECONDS, TimeUnit.SECONDS);
        String closed = store.read(home + "/device/vif/0/state");
        String backendAfter = store.read(backendPath + "/state");
        // Closed, then handed back: Initialising with the backend in InitWait, as the toolstack made the vif.
        check("netfront-closed", "1".equals(closed) && grants.grantsOutstanding() == grantsBefore,
                "frontend state=" + closed + ", backend state=" + backendAfter + ", grants outstanding "
                        + grants.grantsOutstanding() + " (before " + grantsBefore + ")");
    }

    private static ByteBuffer awaitFrame(BlockingQueue<ByteBuffer> arrivals,
            java.util.function.Predicate<ByteBuffer> wanted, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            ByteBuffer frame = arrivals.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (frame == null || wanted.test(frame)) {
                return frame;
            }
        }
    }

    /** The Internet checksum (RFC 1071). */
    private static int checksum(ByteBuffer buffer, int at, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += (buffer.get(at + i) & 0xff) << 8 | (buffer.get(at + i + 1) & 0xff);
        }
        if ((length & 1) != 0) {
            sum += (buffer.get(at + length - 1) & 0xff) << 8;
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) ~sum & 0xffff;
    }

    private static String awaitKey(XenStore store, String key) throws Exception {
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
