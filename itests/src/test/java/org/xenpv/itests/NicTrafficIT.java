package org.xenpv.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.xenpv.net.FrameReceiver;
import org.xenpv.net.Nic;
import org.xenpv.net.NicStatistics;
import org.xenpv.net.Offload;
import org.xenpv.sim.DomainAccounting;
import org.xenpv.sim.SimulatedVif;
import org.xenpv.sim.SimulatedXen;

/** Frames between the simulated guest's two vifs in the distribution, and a hot upgrade of netfront under load. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class NicTrafficIT extends XenpvTestSupport {

    @Configuration
    public Option[] config() {
        return xenpvDistribution();
    }


    private static ByteBuffer frame(Nic to, Nic from, int size) {
        ByteBuffer frame = ByteBuffer.allocate(size);
        for (int i = 12; i < size; i++) {
            frame.put(i, (byte) (i * 7 + size));
        }
        to.macAddress().write(frame, 0);
        from.macAddress().write(frame, 6);
        return frame;
    }

    @Test
    public void framesSentOnOneVifArriveOnTheOtherByteForByte() throws Exception {
        Nic vif0 = Nics.active(bundleContext, "vif-0");
        Nic vif1 = Nics.active(bundleContext, "vif-1");
        BlockingQueue<byte[]> arrivals = new LinkedBlockingQueue<>();
        FrameReceiver receiver = (queue, frame, offload) -> {
            byte[] copy = new byte[frame.remaining()];
            frame.get(frame.position(), copy);
            arrivals.add(copy);
        };
        vif1.setReceiver(receiver);
        try {
            for (int size : new int[] {14, 60, 1514, 4096, 4097, 9014, 32768, 65535}) {
                ByteBuffer frame = frame(vif1, vif0, size);
                assertTrue(vif0.send(frame, Offload.NONE));
                byte[] received = arrivals.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
                assertNotNull("a frame of " + size + " bytes arrived", received);
                assertArrayEquals("a frame of " + size + " bytes, byte for byte", frame.array(), received);
            }
        } finally {
            vif1.clearReceiver(receiver);
        }
    }

    private static SimulatedVif vif(SimulatedXen sim, int handle) {
        return sim.vifs().stream().filter(v -> v.guestDomid() == sim.guestDomid() && v.handle() == handle)
                .findFirst().orElseThrow();
    }

    private static long txTotal(Nic nic) {
        NicStatistics.QueueCounters c = nic.statistics().total();
        return c.txPackets() + c.txDropped() + c.txErrors();
    }

    private static long rxLost(Nic nic) {
        NicStatistics.QueueCounters c = nic.statistics().total();
        return c.rxDropped() + c.rxErrors();
    }

    @Test
    public void netfrontIsUpdatedWhileFramesFlowAndEveryFrameIsAccountedFor() throws Exception {
        SimulatedXen sim = bundleContext.getService(bundleContext.getServiceReference(SimulatedXen.class));
        Nic sender0 = Nics.active(bundleContext, "vif-0");
        Nic receiver0 = Nics.active(bundleContext, "vif-1");
        long senderBase = txTotal(sender0);
        long receiverLostBase = rxLost(receiver0);
        long fromGuestBase = vif(sim, 0).framesFromGuest();
        long backendDroppedBase = vif(sim, 1).framesDropped();

        AtomicLong received = new AtomicLong();
        FrameReceiver counting = (queue, frame, offload) -> received.incrementAndGet();
        receiver0.setReceiver(counting);
        AtomicReference<Nic> sender = new AtomicReference<>(sender0);
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicLong attempts = new AtomicLong();
        ByteBuffer frame = frame(receiver0, sender0, 128);
        Thread traffic = new Thread(() -> {
            while (sending.get()) {
                sender.get().send(frame.duplicate(), Offload.NONE);
                if (attempts.incrementAndGet() % 32 == 0) {
                    Thread.yield();
                }
            }
        }, "itest-traffic");
        traffic.start();
        waitFor("frames flowing before the update", () -> received.get() > 1000);

        waitFor("the bundle commands", () -> {
            try {
                return executeCommand("bundle:list -t 0 --no-format").contains("xen-netfront");
            } catch (Exception e) {
                return false;
            }
        });
        executeCommand("bundle:update " + bundle("org.xenpv.netfront").getBundleId());

        Nic sender1 = Nics.active(bundleContext, "vif-0");
        Nic receiver1 = Nics.active(bundleContext, "vif-1");
        assertNotSame("a new Nic after the update", sender0, sender1);
        receiver1.setReceiver(counting);
        sender.set(sender1);
        long afterReconnect = received.get();
        waitFor("frames flowing after the update", () -> received.get() > afterReconnect + 1000);
        sending.set(false);
        traffic.join(WAIT_MILLIS);

        waitFor("every frame that was given to send counted by the Nic that took it", () ->
                txTotal(sender0) - senderBase + txTotal(sender1) == attempts.get());
        waitFor("every frame the sender's backend passed on received or counted as dropped", () ->
                vif(sim, 0).framesFromGuest() - fromGuestBase == received.get()
                        + rxLost(receiver0) - receiverLostBase + rxLost(receiver1)
                        + vif(sim, 1).framesDropped() - backendDroppedBase);

        DomainAccounting guest = sim.accounting(sim.guestDomid()).orElseThrow();
        int queues = sender1.queueCount() + receiver1.queueCount();
        assertEquals("grants of exactly the two connected vifs", queues * (2 + 256 + 256), guest.grantsActive());
        assertEquals("no grant waits for its end", 0, guest.grantsDeferred());
        assertEquals("event channels of exactly the two vifs", queues * 2, guest.eventChannelsOpen());
        receiver1.clearReceiver(counting);
    }

    /** The netfront jar of this build, re-versioned as a newer build would be. */
    private static java.nio.file.Path newerNetfrontBuild(String version) throws java.io.IOException {
        String current = projectVersion();
        java.nio.file.Path original = java.nio.file.Path.of(System.getProperty("xenpv.repository"), "org", "xenpv",
                "xen-netfront", current, "xen-netfront-" + current + ".jar");
        java.nio.file.Path newer = java.nio.file.Files.createTempFile("xen-netfront-" + version, ".jar");
        try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(
                java.nio.file.Files.newInputStream(original))) {
            java.util.jar.Manifest manifest = in.getManifest();
            manifest.getMainAttributes().putValue("Bundle-Version", version);
            try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(
                    java.nio.file.Files.newOutputStream(newer), manifest)) {
                for (java.util.jar.JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
                    out.putNextEntry(new java.util.jar.JarEntry(entry.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return newer;
    }

    @Test
    public void netfrontIsUpgradedToANewerBuildAndTheVifsReconnect() throws Exception {
        Nic before = Nics.active(bundleContext, "vif-0");
        waitFor("the bundle commands", () -> {
            try {
                return executeCommand("bundle:list -t 0 --no-format").contains("xen-netfront");
            } catch (Exception e) {
                return false;
            }
        });
        org.osgi.framework.Bundle netfront = bundle("org.xenpv.netfront");
        java.nio.file.Path newer = newerNetfrontBuild("0.1.1");
        executeCommand("bundle:update " + netfront.getBundleId() + " " + newer.toUri());
        assertEquals("0.1.1", bundle("org.xenpv.netfront").getVersion().toString());
        Nic sender = Nics.active(bundleContext, "vif-0");
        Nic receiver = Nics.active(bundleContext, "vif-1");
        assertNotSame("the newer build made new Nics", before, sender);
        BlockingQueue<byte[]> arrivals = new LinkedBlockingQueue<>();
        FrameReceiver collect = (queue, frame, offload) -> {
            byte[] copy = new byte[frame.remaining()];
            frame.get(frame.position(), copy);
            arrivals.add(copy);
        };
        receiver.setReceiver(collect);
        try {
            ByteBuffer frame = frame(receiver, sender, 1514);
            assertTrue(sender.send(frame, Offload.NONE));
            assertArrayEquals(frame.array(), arrivals.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        } finally {
            receiver.clearReceiver(collect);
        }
    }
}
