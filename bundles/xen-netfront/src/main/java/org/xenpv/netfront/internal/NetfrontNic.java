package org.xenpv.netfront.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.net.FrameMonitor;
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
import org.xenpv.net.UnsupportedNicOperationException;

/**
 * The Nic of one vif. It outlives connections (its counters keep counting
 * across reconnects); the device gives it queues while connected.
 */
final class NetfrontNic implements Nic, NetfrontQueue.Owner {
    private static final Logger LOG = LoggerFactory.getLogger(NetfrontNic.class);
    static final String DRIVER = "xen-netfront";
    static final int MAX_FRAME_BYTES = 0xffff;

    private final String name;
    private final MacAddress mac;
    private final int mtu;
    private final int backendDomid;
    private final List<QueueCounters> counters = new CopyOnWriteArrayList<>();
    private final List<NicStateListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<FrameReceiver> receiver = new AtomicReference<>();
    private final AtomicReference<String> brokenReason = new AtomicReference<>();
    /** Frames whose receiver threw, and the receiver that did last (reported once). */
    private final LongAdder receiverFailures = new LongAdder();
    /** Handshakes begun, and those that failed (a step of connecting, or XenStore while following the backend). */
    private final LongAdder connectAttempts = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();
    private final AtomicReference<FrameReceiver> lastFailingReceiver = new AtomicReference<>();
    private final Runnable onBroken;
    private static final FrameMonitor[] NO_MONITORS = {};
    /** Copied on change, read once per frame: no monitors costs one volatile read. */
    private volatile FrameMonitor[] monitors = NO_MONITORS;
    /** Queues (by index bit) holding frames offered with "more" that the backend has not been told of. */
    private final AtomicLong unpushed = new AtomicLong();
    private volatile NetfrontQueue[] queues = new NetfrontQueue[0];
    private volatile Negotiated negotiated;
    /** Worked out once per connection: every frame sent is checked against it. */
    private volatile NicCapabilities capabilities;
    private volatile NicState state = NicState.DOWN;
    private volatile LinkState link = LinkState.DOWN;
    private volatile boolean administrativelyUp = true;
    /**
     * Serialises up() and down() (any caller's thread) with connected() and disconnected() (the device's
     * thread): each reads the queues and the state and then starts or stops the queues, and interleaved
     * they could start a connection's queues twice (its RX slots posted again while the backend fills
     * them, which reads as a protocol error), start queues already released, or leave a connected,
     * administratively up Nic STOPPED. Not taken by {@link #broken}, which a queue's thread calls
     * holding its own locks; {@link #downIfBrokenMeanwhile} covers that one.
     */
    private final Object transitions = new Object();
    /** Whether {@link #queues} have been started since they were given or last stopped; under transitions. */
    private boolean queuesStarted;

    NetfrontNic(String name, MacAddress mac, int mtu, int backendDomid, Runnable onBroken) {
        this.name = name;
        this.mac = mac;
        this.mtu = mtu;
        this.backendDomid = backendDomid;
        this.onBroken = onBroken;
        this.capabilities = capabilitiesOf(null);
    }

    /** Counters for queue {@code index}, created on first use and kept. */
    QueueCounters counters(int index) {
        synchronized (counters) {
            while (counters.size() <= index) {
                counters.add(new QueueCounters());
            }
            return counters.get(index);
        }
    }

    /** The device connected: frames flow on these queues. */
    void connected(NetfrontQueue[] connectedQueues, Negotiated agreed) {
        synchronized (transitions) {
            this.negotiated = agreed;
            this.capabilities = capabilitiesOf(agreed);
            this.queues = connectedQueues;
            queuesStarted = false;
            if (administrativelyUp && brokenReason.get() == null) {
                startQueues(connectedQueues);
            } else {
                changeState(brokenReason.get() == null ? NicState.STOPPED : NicState.DOWN, LinkState.DOWN);
            }
        }
    }

    /** Starts the current queues, once: a started queue's RX slots are the backend's until it answers. */
    private void startQueues(NetfrontQueue[] current) {
        queuesStarted = true;
        for (NetfrontQueue queue : current) {
            queue.start();
        }
        changeState(NicState.ACTIVE, LinkState.UP);
        downIfBrokenMeanwhile(current);
    }

    /** The device disconnected: no queues until it connects again. */
    void disconnected() {
        synchronized (transitions) {
            NetfrontQueue[] old = queues;
            queues = new NetfrontQueue[0];
            queuesStarted = false;
            for (NetfrontQueue queue : old) {
                queue.stop();
            }
            changeState(brokenReason.get() == null && !administrativelyUp ? NicState.STOPPED : NicState.DOWN,
                    LinkState.DOWN);
        }
    }

    private void changeState(NicState newState, LinkState newLink) {
        NicState oldState = state;
        LinkState oldLink = link;
        state = newState;
        link = newLink;
        for (NicStateListener listener : listeners) {
            try {
                if (oldState != newState) {
                    listener.stateChanged(this, newState);
                }
                if (oldLink != newLink) {
                    listener.linkChanged(this, newLink);
                }
            } catch (RuntimeException e) {
                LOG.warn("{}: a state listener failed", name, e);
            }
        }
    }

    @Override
    public void broken(String reason) {
        if (brokenReason.compareAndSet(null, reason)) {
            LOG.error("{}: the backend broke the netif protocol; the device is down: {}", name, reason);
            for (NetfrontQueue queue : queues) {
                queue.stop();
            }
            changeState(NicState.DOWN, LinkState.DOWN);
            onBroken.run();
        }
    }

    void connectAttempted() {
        connectAttempts.increment();
    }

    void handshakeFailed() {
        handshakeFailures.increment();
    }

    Optional<String> brokenReason() {
        return Optional.ofNullable(brokenReason.get());
    }

    @Override
    public boolean received(int queue, ByteBuffer frame, Offload offload) {
        if (state != NicState.ACTIVE) {
            counters(queue).rxDropped.increment();
            return false;
        }
        // Monitors see what arrived, stack or no stack: a capture shows the link, not only the stack's share.
        FrameMonitor[] watching = monitors;
        if (watching.length != 0) {
            show(watching, FrameMonitor.Direction.INBOUND, queue, frame, offload);
        }
        FrameReceiver current = receiver.get();
        if (current == null) {
            counters(queue).rxDropped.increment();
            return false;
        }
        try {
            current.receive(queue, frame, offload);
        } catch (RuntimeException e) {
            receiverFailed(current, queue, e); // the stack had it: received, and its failure counted apart
        }
        return true;
    }

    /** Counts every failure; logs only a stack's first, so that a failing stack cannot flood the log. */
    private void receiverFailed(FrameReceiver failing, int queue, RuntimeException e) {
        receiverFailures.increment();
        if (lastFailingReceiver.getAndSet(failing) != failing) {
            LOG.warn("{}: its stack's receiver threw on a frame of queue {}; its later failures are only counted "
                    + "(rx_receiver_failures in netfront:stats)", name, queue, e);
        }
    }

    private void show(FrameMonitor[] watching, FrameMonitor.Direction direction, int queue, ByteBuffer frame,
            Offload offload) {
        for (FrameMonitor monitor : watching) {
            try {
                monitor.frame(direction, queue, frame, offload);
            } catch (RuntimeException e) {
                LOG.debug("{}: a frame monitor failed", name, e);
            }
        }
    }

    @Override
    public synchronized void addMonitor(FrameMonitor monitor) {
        FrameMonitor[] grown = Arrays.copyOf(monitors, monitors.length + 1);
        grown[grown.length - 1] = monitor;
        monitors = grown;
    }

    @Override
    public synchronized void removeMonitor(FrameMonitor monitor) {
        monitors = Arrays.stream(monitors).filter(m -> m != monitor).toArray(FrameMonitor[]::new);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MacAddress macAddress() {
        return mac;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public NicState state() {
        return state;
    }

    @Override
    public LinkState linkState() {
        return link;
    }

    @Override
    public int queueCount() {
        return Math.max(1, queues.length);
    }

    @Override
    public NicCapabilities capabilities() {
        return capabilities;
    }

    private NicCapabilities capabilitiesOf(Negotiated agreed) {
        if (agreed == null) {
            return new NicCapabilities(false, false, false, false, false, mtu + 14);
        }
        return new NicCapabilities(agreed.sg(), true, agreed.ipv6CsumOffload(), agreed.gsoTcpv4(), agreed.gsoTcpv6(),
                agreed.sg() ? MAX_FRAME_BYTES : Math.min(NetfrontQueue.PAGE, mtu + 14));
    }

    @Override
    public NicInfo info() {
        Negotiated agreed = negotiated;
        return new NicInfo(DRIVER, name, backendDomid, agreed == null ? Set.of() : agreed.names(), brokenReason());
    }

    @Override
    public NicStatistics statistics() {
        List<NicStatistics.QueueCounters> snapshot = new ArrayList<>();
        for (QueueCounters queue : counters) {
            snapshot.add(queue.snapshot());
        }
        return new NicStatistics(snapshot);
    }

    @Override
    public java.util.Map<String, Long> driverStatistics() {
        long[] sums = new long[6];
        for (QueueCounters queue : counters) {
            sums[0] += queue.txGsoFrames.sum();
            sums[1] += queue.txMultiSlotFrames.sum();
            sums[2] += queue.txChecksumBlank.sum();
            sums[3] += queue.rxGsoFrames.sum();
            sums[4] += queue.rxMultiSlotFrames.sum();
            sums[5] += queue.rxChecksumBlank.sum();
        }
        java.util.Map<String, Long> named = new java.util.LinkedHashMap<>();
        named.put("tx_gso_frames", sums[0]);
        named.put("tx_multi_slot_frames", sums[1]);
        named.put("tx_checksum_blank", sums[2]);
        named.put("rx_gso_frames", sums[3]);
        named.put("rx_multi_slot_frames", sums[4]);
        named.put("rx_checksum_blank", sums[5]);
        named.put("rx_receiver_failures", receiverFailures.sum());
        named.put("connect_attempts", connectAttempts.sum());
        named.put("handshake_failures", handshakeFailures.sum());
        long spurious = 0;
        long delayed = 0;
        for (QueueCounters queue : counters) {
            spurious += queue.spuriousEvents.sum();
            delayed += queue.delayedRearms();
        }
        named.put("spurious_events", spurious);
        named.put("delayed_rearms", delayed);
        for (int q = 0; q < counters.size(); q++) {
            QueueCounters queue = counters.get(q);
            named.put("queue_" + q + "_spurious_events", queue.spuriousEvents.sum());
            named.put("queue_" + q + "_delayed_rearms", queue.delayedRearms());
            named.put("queue_" + q + "_rearm_delay_ms", queue.rearmDelayMillis());
        }
        for (NetfrontQueue queue : queues) {
            QueueRingState state = queue.ringState();
            String prefix = "queue_" + queue.index() + "_";
            named.put(prefix + "tx_response_consumer", Integer.toUnsignedLong(state.txResponseConsumer()));
            named.put(prefix + "tx_slots_awaiting_answers", (long) state.txSlotsAwaitingAnswers());
            named.put(prefix + "rx_buffers_posted", (long) state.rxBuffersPosted());
            named.put(prefix + "pass_due", state.passDue() ? 1L : 0L);
        }
        return java.util.Collections.unmodifiableMap(named);
    }

    @Override
    public void up() {
        synchronized (transitions) {
            administrativelyUp = true;
            NetfrontQueue[] current = queues;
            if (current.length > 0 && brokenReason.get() == null && !queuesStarted) {
                startQueues(current);
            }
        }
    }

    /**
     * A queue's thread can find the backend broken while a caller changes
     * the state: a queue just started takes what the backend left in its
     * rings at once, and its {@link #broken} could come before the caller's
     * ACTIVE (or STOPPED) is written, leaving a broken device looking usable.
     * Checked after the write, so whichever of the two comes last, a broken
     * device ends DOWN.
     */
    private void downIfBrokenMeanwhile(NetfrontQueue[] started) {
        if (brokenReason.get() != null) {
            for (NetfrontQueue queue : started) {
                queue.stop();
            }
            changeState(NicState.DOWN, LinkState.DOWN);
        }
    }

    @Override
    public void down() {
        synchronized (transitions) {
            administrativelyUp = false;
            if (!queuesStarted) {
                return;
            }
            queuesStarted = false;
            NetfrontQueue[] current = queues;
            for (NetfrontQueue queue : current) {
                queue.stop();
            }
            if (brokenReason.get() == null) { // a broken Nic is DOWN already, and stays so
                changeState(NicState.STOPPED, LinkState.DOWN);
                downIfBrokenMeanwhile(current);
            }
        }
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
        if (!receiver.compareAndSet(null, newReceiver) && receiver.get() != newReceiver) {
            throw new IllegalStateException(name + " already feeds another receiver: a Nic feeds one stack");
        }
    }

    @Override
    public void clearReceiver(FrameReceiver old) {
        receiver.compareAndSet(old, null);
    }

    @Override
    public boolean send(ByteBuffer frame, Offload offload) {
        NetfrontQueue queue = queueFor(frame, offload);
        if (queue == null) {
            counters(0).txDropped.increment();
            return false;
        }
        boolean queued = queue.send(frame, offload, true);
        FrameMonitor[] watching = monitors;
        if (queued && watching.length != 0) {
            show(watching, FrameMonitor.Direction.OUTBOUND, queue.index(), frame, offload);
        }
        return queued;
    }

    @Override
    public SendStatus offer(ByteBuffer frame, Offload offload, boolean more) {
        NetfrontQueue queue = queueFor(frame, offload);
        if (queue == null) {
            counters(0).txDropped.increment();
            return SendStatus.DROPPED;
        }
        boolean defer = more && queue.index() < Long.SIZE;
        SendStatus status = queue.enqueue(frame, offload, !defer);
        switch (status) {
            case QUEUED:
                if (defer) {
                    long bit = 1L << queue.index();
                    long bits = unpushed.get();
                    while ((bits & bit) == 0 && !unpushed.compareAndSet(bits, bits | bit)) {
                        bits = unpushed.get();
                    }
                }
                FrameMonitor[] watching = monitors;
                if (watching.length != 0) {
                    show(watching, FrameMonitor.Direction.OUTBOUND, queue.index(), frame, offload);
                }
                break;
            case DROPPED:
                counters(queue.index()).txDropped.increment();
                break;
            default:
                break;
        }
        if (!defer || status == SendStatus.FULL) {
            // A full queue drains only once the backend hears of what it holds.
            flush();
        }
        return status;
    }

    @Override
    public void flush() {
        long pending = unpushed.getAndSet(0);
        if (pending == 0) {
            return;
        }
        NetfrontQueue[] current = queues;
        for (NetfrontQueue queue : current) {
            if ((pending & 1L << queue.index()) != 0) {
                queue.flush();
            }
        }
    }

    @Override
    public int sendBatch(List<ByteBuffer> frames, Offload offload) {
        NetfrontQueue[] current = queues;
        // Queues given frames, by index bit; those past 63 are pushed at once instead.
        long used = 0;
        int queued = 0;
        int count = frames.size();
        for (int i = 0; i < count; i++) {
            ByteBuffer frame = frames.get(i);
            NetfrontQueue queue = queueFor(frame, offload);
            if (queue == null) {
                counters(0).txDropped.increment();
                continue;
            }
            boolean deferred = queue.index() < Long.SIZE;
            if (queue.send(frame, offload, !deferred)) {
                queued++;
                if (deferred) {
                    used |= 1L << queue.index();
                }
                FrameMonitor[] watching = monitors;
                if (watching.length != 0) {
                    show(watching, FrameMonitor.Direction.OUTBOUND, queue.index(), frame, offload);
                }
            }
        }
        for (NetfrontQueue queue : current) {
            if (queue.index() < Long.SIZE && (used & 1L << queue.index()) != 0) {
                queue.flush();
            }
        }
        return queued;
    }

    /** Checks the frame and offload, then picks the queue by flow; null when not active. */
    private NetfrontQueue queueFor(ByteBuffer frame, Offload offload) {
        int length = frame.remaining();
        NicCapabilities caps = capabilities();
        if (length < MIN_FRAME_BYTES || length > caps.maxFrameBytes()) {
            throw new IllegalArgumentException(name + ": a frame of " + length + " bytes is outside "
                    + MIN_FRAME_BYTES + ".." + caps.maxFrameBytes());
        }
        if ((offload.gso() == Offload.GsoType.TCPV4 && !caps.tsoV4())
                || (offload.gso() == Offload.GsoType.TCPV6 && !caps.tsoV6())) {
            throw new UnsupportedNicOperationException(name, "GSO " + offload.gso(),
                    "the backend did not offer it");
        }
        NetfrontQueue[] current = queues;
        if (state != NicState.ACTIVE || current.length == 0) {
            return null;
        }
        // One queue needs no flow's hash: it reads up to 24 bytes of every frame.
        return current.length == 1 ? current[0] : current[Math.floorMod(FlowHash.of(frame), current.length)];
    }

    @Override
    public void setMacAddress(MacAddress address) {
        throw new UnsupportedNicOperationException(name, "setting the MAC address",
                "the toolstack assigns it in XenStore");
    }

    @Override
    public void setMulticastFilter(Set<MacAddress> groups) {
        throw new UnsupportedNicOperationException(name, "a multicast filter",
                "the backend delivers every frame of the bridge port; filter in the stack");
    }

    @Override
    public void setPromiscuous(boolean promiscuous) {
        throw new UnsupportedNicOperationException(name, "promiscuous mode", "the backend decides what it forwards");
    }

    @Override
    public void setBlockedSources(Set<MacAddress> sources) {
        throw new UnsupportedNicOperationException(name, "blocking sources", "netif has no source filter");
    }

    @Override
    public void setVlanFilter(Set<Integer> vlans) {
        throw new UnsupportedNicOperationException(name, "a VLAN filter", "netif has no VLAN offload");
    }

    @Override
    public void setWakeOnLan(boolean enabled) {
        throw new UnsupportedNicOperationException(name, "wake-on-LAN", "a virtual interface cannot wake a domain");
    }

    @Override
    public void setReceiveDefective(boolean enabled) {
        throw new UnsupportedNicOperationException(name, "receiving defective frames",
                "netback never passes them on");
    }

    @Override
    public String toString() {
        return name + " " + mac + " " + state;
    }
}
