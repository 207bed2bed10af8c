package org.xenpv.stack.tap.internal;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.xenpv.net.FrameReceiver;
import org.xenpv.net.LinkState;
import org.xenpv.net.MacAddress;
import org.xenpv.net.Nic;
import org.xenpv.net.NicCapabilities;
import org.xenpv.net.NicInfo;
import org.xenpv.net.NicState;
import org.xenpv.net.NicStateListener;
import org.xenpv.net.NicStatistics;
import org.xenpv.net.Offload;
import org.xenpv.net.SendStatus;

/** A Nic that keeps what the stack offers it and lets the test play frames and link changes to the stack. */
final class FakeNic implements Nic {
    record Sent(byte[] frame, Offload offload) {
    }

    static final MacAddress MAC = MacAddress.parse("02:16:3e:00:00:42");
    final BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
    final AtomicInteger fullAnswersLeft = new AtomicInteger();
    final AtomicInteger flushes = new AtomicInteger();
    private final AtomicReference<FrameReceiver> receiver = new AtomicReference<>();
    private final List<NicStateListener> listeners = new CopyOnWriteArrayList<>();
    private volatile LinkState link = LinkState.UP;

    void deliver(ByteBuffer frame, Offload offload) {
        receiver.get().receive(0, frame, offload);
    }

    void link(LinkState newLink) {
        link = newLink;
        listeners.forEach(l -> l.linkChanged(this, newLink));
    }

    boolean hasReceiver() {
        return receiver.get() != null;
    }

    @Override
    public SendStatus offer(ByteBuffer frame, Offload offload, boolean more) {
        if (fullAnswersLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return SendStatus.FULL;
        }
        byte[] copy = new byte[frame.remaining()];
        frame.get(frame.position(), copy);
        sent.add(new Sent(copy, offload));
        return SendStatus.QUEUED;
    }

    @Override
    public void flush() {
        flushes.incrementAndGet();
    }

    @Override
    public boolean send(ByteBuffer frame, Offload offload) {
        return offer(frame, offload, false) == SendStatus.QUEUED;
    }

    @Override
    public int sendBatch(List<ByteBuffer> frames, Offload offload) {
        return (int) frames.stream().filter(f -> send(f, offload)).count();
    }

    @Override
    public String name() {
        return "fake-0";
    }

    @Override
    public MacAddress macAddress() {
        return MAC;
    }

    @Override
    public int mtu() {
        return 1500;
    }

    @Override
    public NicState state() {
        return NicState.ACTIVE;
    }

    @Override
    public LinkState linkState() {
        return link;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public NicCapabilities capabilities() {
        return new NicCapabilities(true, true, true, true, true, 0xffff);
    }

    @Override
    public NicInfo info() {
        return new NicInfo("fake", name(), 0, Set.of(), java.util.Optional.empty());
    }

    @Override
    public NicStatistics statistics() {
        return new NicStatistics(List.of());
    }

    @Override
    public void up() {
    }

    @Override
    public void down() {
    }

    @Override
    public void addStateListener(NicStateListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeStateListener(NicStateListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void setReceiver(FrameReceiver newReceiver) {
        if (!receiver.compareAndSet(null, newReceiver)) {
            throw new IllegalStateException("fake-0 already feeds another receiver");
        }
    }

    @Override
    public void clearReceiver(FrameReceiver old) {
        receiver.compareAndSet(old, null);
    }

    @Override
    public void setMacAddress(MacAddress address) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setMulticastFilter(Set<MacAddress> groups) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setPromiscuous(boolean promiscuous) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setBlockedSources(Set<MacAddress> sources) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setVlanFilter(Set<Integer> vlans) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setWakeOnLan(boolean enabled) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setReceiveDefective(boolean enabled) {
        throw new UnsupportedOperationException();
    }
}
