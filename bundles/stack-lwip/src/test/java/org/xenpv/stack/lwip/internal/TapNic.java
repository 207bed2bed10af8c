package org.xenpv.stack.lwip.internal;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.xenpv.net.tap.TapDevice;
import org.xenpv.net.tap.TapException;
import org.xenpv.net.tap.TapReadBatch;
import org.xenpv.net.tap.TapWriter;

/**
 * A Nic whose wire is a TAP interface of the kernel: what the stack sends, the kernel
 * receives, and the other way round, so that the kernel's own programs (ping, curl) are
 * the peers of the stack under test. Frames cross without offloads. {@link #successor}
 * replaces it as an updated driver replaces its Nic: on the same wire, a new object.
 */
final class TapNic implements Nic, AutoCloseable {
    static final MacAddress MAC = MacAddress.parse("02:16:3e:00:00:17");
    private final TapDevice tap;
    private final TapWriter writer;
    private final Thread reader;
    private final int mtu;
    private final AtomicReference<FrameReceiver> receiver = new AtomicReference<>();
    private final List<NicStateListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private volatile boolean ownsDevice = true;

    TapNic(String interfaceName) throws TapException {
        this(TapDevice.create(interfaceName), 1500);
    }

    private TapNic(TapDevice tap, int mtu) {
        this.tap = tap;
        this.mtu = mtu;
        writer = tap.newWriter();
        reader = new Thread(this::readLoop, "tap-nic-" + tap.name());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Stops this Nic as a driver being updated does (STOPPED and link down, its listeners told; no
     * frame either way from then on) and returns the next one on the same TAP interface, ACTIVE.
     */
    TapNic successor(int nextMtu) throws InterruptedException {
        stop();
        ownsDevice = false;
        return new TapNic(tap, nextMtu);
    }

    private void stop() throws InterruptedException {
        if (!running) {
            return;
        }
        running = false;
        reader.join(5000);
        for (NicStateListener listener : listeners) {
            listener.stateChanged(this, NicState.STOPPED);
            listener.linkChanged(this, LinkState.DOWN);
        }
    }

    int listenerCount() {
        return listeners.size();
    }

    String interfaceName() {
        return tap.name();
    }

    private void readLoop() {
        try (TapReadBatch batch = new TapReadBatch(32)) {
            while (running) {
                int n = tap.read(batch, 100);
                if (n < 0) {
                    return;
                }
                for (int i = 0; i < n; i++) {
                    FrameReceiver r = receiver.get();
                    if (r != null) {
                        r.receive(0, batch.frame(i), Offload.NONE);
                    }
                }
            }
        } catch (TapException e) {
            // the device was closed under the reader
        }
    }

    @Override
    public synchronized boolean send(ByteBuffer frame, Offload offload) {
        return running && writer.write(frame);
    }

    @Override
    public int sendBatch(List<ByteBuffer> frames, Offload offload) {
        int sent = 0;
        for (ByteBuffer frame : frames) {
            sent += send(frame, offload) ? 1 : 0;
        }
        return sent;
    }

    @Override
    public void setReceiver(FrameReceiver r) {
        if (!receiver.compareAndSet(null, r)) {
            throw new IllegalStateException("another stack takes this Nic's frames");
        }
    }

    @Override
    public void clearReceiver(FrameReceiver r) {
        receiver.compareAndSet(r, null);
    }

    boolean hasReceiver() {
        return receiver.get() != null;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.join(5000);
        writer.close();
        if (ownsDevice) {
            tap.close();
        }
    }

    @Override
    public String name() {
        return "vif-test";
    }

    @Override
    public MacAddress macAddress() {
        return MAC;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public NicState state() {
        return running ? NicState.ACTIVE : NicState.STOPPED;
    }

    @Override
    public LinkState linkState() {
        return running ? LinkState.UP : LinkState.DOWN;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public NicCapabilities capabilities() {
        return new NicCapabilities(false, false, false, false, false, mtu + 14);
    }

    @Override
    public NicInfo info() {
        throw new UnsupportedOperationException();
    }

    @Override
    public NicStatistics statistics() {
        throw new UnsupportedOperationException();
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
