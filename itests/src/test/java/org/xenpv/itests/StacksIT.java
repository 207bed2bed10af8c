package org.xenpv.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.xenpv.net.FrameReceiver;
import org.xenpv.net.MacAddress;
import org.xenpv.net.Nic;
import org.xenpv.net.Offload;

/** Network stacks come and go at run time on their Nics while another stays in use. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class StacksIT extends XenpvTestSupport {
    private static final int PING_ADDRESS = 0x0a000007; // 10.0.0.7

    @Configuration
    public Option[] config() {
        return xenpvDistribution();
    }


    private static ByteBuffer arpRequest(Nic from, int targetIp) {
        ByteBuffer frame = ByteBuffer.allocate(60);
        MacAddress.BROADCAST.write(frame, 0);
        from.macAddress().write(frame, 6);
        frame.putShort(12, (short) 0x0806).putShort(14, (short) 1).putShort(16, (short) 0x0800)
                .put(18, (byte) 6).put(19, (byte) 4).putShort(20, (short) 1);
        from.macAddress().write(frame, 22);
        frame.putInt(28, 0x0a000001).putInt(38, targetIp);
        return frame;
    }

    /** The next frame that is an ARP reply, skipping others (the echo stack reflects requests too). */
    private static ByteBuffer nextArpReply(BlockingQueue<ByteBuffer> arrivals, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (true) {
            ByteBuffer frame = arrivals.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (frame == null) {
                return null;
            }
            if (frame.getShort(12) == 0x0806 && frame.getShort(20) == 2) {
                return frame;
            }
        }
    }

    @Test
    public void aStackIsInstalledAndRemovedWhileAnotherStaysInUse() throws Exception {
        Nic tester = Nics.active(bundleContext, "vif-0");
        BlockingQueue<ByteBuffer> arrivals = new LinkedBlockingQueue<>();
        FrameReceiver collect = (queue, frame, offload) -> {
            ByteBuffer copy = ByteBuffer.allocate(frame.remaining());
            copy.put(0, frame, frame.position(), frame.remaining());
            arrivals.add(copy);
        };
        tester.setReceiver(collect);
        Nic echoNic = Nics.active(bundleContext, "vif-1");
        assertTrue(executeCommand("sim:vif-add 1").contains("vif 1.2 added"));
        Nic pingNic = Nics.active(bundleContext, "vif-2");

        // Installed as a user would, refresh allowed: nothing below the stack may restart for it.
        featuresService.installFeature("xenpv-stack-echo", EnumSet.noneOf(FeaturesService.Option.class));
        ByteBuffer probe = ByteBuffer.allocate(100);
        echoNic.macAddress().write(probe, 0);
        tester.macAddress().write(probe, 6);
        probe.putShort(12, (short) 0x88b5);
        waitFor("the echo stack reflecting frames", () -> {
            tester.send(probe.duplicate(), Offload.NONE);
            ByteBuffer back = poll(arrivals, 200);
            return back != null && MacAddress.read(back, 6).equals(echoNic.macAddress());
        });

        executeCommand("config:edit org.xenpv.stack.ping.PingStack ; config:property-set nic.target"
                + " '(nic.device=vif-2)' ; config:property-set address 10.0.0.7 ; config:update");
        featuresService.installFeature("xenpv-stack-ping", EnumSet.noneOf(FeaturesService.Option.class));
        arrivals.clear();
        AtomicReference<ByteBuffer> answer = new AtomicReference<>();
        waitFor("an ARP reply from the ping stack on vif-2", () -> {
            tester.send(arpRequest(tester, PING_ADDRESS), Offload.NONE);
            try {
                answer.set(nextArpReply(arrivals, 200));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return answer.get() != null;
        });
        assertEquals(pingNic.macAddress(), MacAddress.read(answer.get(), 22));
        assertEquals(PING_ADDRESS, answer.get().getInt(28));
        assertSame("installing two stacks restarted no driver: vif-0 is the same Nic", tester, Nics.active(bundleContext, "vif-0"));

        // Refresh allowed, as a user's plain feature:uninstall: only the removed bundle is refreshed.
        featuresService.uninstallFeature("xenpv-stack-ping", EnumSet.noneOf(FeaturesService.Option.class));
        waitFor("vif-2 free again", () -> {
            try {
                pingNic.setReceiver(collect);
                pingNic.clearReceiver(collect);
                return true;
            } catch (IllegalStateException e) {
                return false;
            }
        });
        arrivals.clear();
        tester.send(arpRequest(tester, PING_ADDRESS), Offload.NONE);
        assertEquals("no ARP reply once the ping stack is gone", null, nextArpReply(arrivals, 500));
        tester.send(probe.duplicate(), Offload.NONE);
        ByteBuffer echoed = poll(arrivals, WAIT_MILLIS);
        assertNotNull("the echo stack is still in use", echoed);
        assertSame("removing a stack restarted no driver: vif-0 is the same Nic", tester, Nics.active(bundleContext, "vif-0"));

        featuresService.uninstallFeature("xenpv-stack-echo", EnumSet.noneOf(FeaturesService.Option.class));
        tester.clearReceiver(collect);
        assertTrue(executeCommand("sim:vif-remove 1 2").contains("removed"));
    }

    private static ByteBuffer poll(BlockingQueue<ByteBuffer> queue, long millis) {
        try {
            return queue.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
