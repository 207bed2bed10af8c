package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.Offload;

/**
 * What the fault tests watch beside the attacked vif: the attacked guest's
 * other vif exchanging frames with a second guest's, every one of which must
 * arrive, and the threads the test's guests and backends started.
 */
final class BystanderTraffic {
    static final int FRAMES = 200;

    private final Nic other;
    private final Nic peer;
    private final AtomicLong atOther;
    private final AtomicLong atPeer;

    /** {@code atOther} and {@code atPeer} count, in the Nics' receivers, the frames each got from the other. */
    BystanderTraffic(Nic other, Nic peer, AtomicLong atOther, AtomicLong atPeer) {
        this.other = other;
        this.peer = peer;
        this.atOther = atOther;
        this.atPeer = atPeer;
    }

    /** {@link #FRAMES} frames each way between the other vif and the peer, every one arriving. */
    void flows() throws InterruptedException {
        long otherBefore = atOther.get();
        long peerBefore = atPeer.get();
        for (int i = 0; i < FRAMES; i++) {
            // A full ring is back-pressure, not loss: offer again once the backend has answered.
            ByteBuffer toPeer = NetfrontExchangeTest.frame(peer.macAddress(), other.macAddress(), 60 + i);
            SimWorld.waitFor("room to send frame " + i + " to the peer", () -> other.send(toPeer.duplicate(),
                    Offload.NONE));
            ByteBuffer toOther = NetfrontExchangeTest.frame(other.macAddress(), peer.macAddress(), 60 + i);
            SimWorld.waitFor("room to send frame " + i + " to the other vif", () -> peer.send(toOther.duplicate(),
                    Offload.NONE));
        }
        SimWorld.waitFor("the peer's frames at the other vif", () -> atOther.get() == otherBefore + FRAMES);
        SimWorld.waitFor("the other vif's frames at the peer", () -> atPeer.get() == peerBefore + FRAMES);
        assertEquals(NicState.ACTIVE, other.state());
        assertEquals(NicState.ACTIVE, peer.state());
    }

    /** Counts {@code frame} in {@code count} when {@code sender} sent it (by source address). */
    static void countFrom(Nic sender, ByteBuffer frame, AtomicLong count) {
        if (addressIs(frame, 6, sender)) {
            count.incrementAndGet();
        }
    }

    /** Whether {@code frame} is for {@code receiver} (by destination address). */
    static boolean addressedTo(Nic receiver, ByteBuffer frame) {
        return addressIs(frame, 0, receiver);
    }

    private static boolean addressIs(ByteBuffer frame, int at, Nic nic) {
        ByteBuffer address = frame.duplicate().position(frame.position() + at).limit(frame.position() + at + 6);
        ByteBuffer expected = ByteBuffer.allocate(6);
        nic.macAddress().write(expected, 0);
        return address.equals(expected);
    }

    /** The names of xenpv's threads alive now that were not among {@code before}. */
    static List<String> threadsLeft(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t) && t.getName().startsWith("xenpv-"))
                .map(Thread::getName).collect(Collectors.toList());
    }
}
