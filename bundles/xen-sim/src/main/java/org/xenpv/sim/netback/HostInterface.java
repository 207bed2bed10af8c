package org.xenpv.sim.netback;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.net.tap.TapDevice;
import org.xenpv.net.tap.TapException;
import org.xenpv.net.tap.TapReadBatch;
import org.xenpv.net.tap.TapWriter;
import org.xenpv.net.tap.VirtioNetHeader;

/**
 * The host side of one vif, as Linux netback and the vif hotplug script make
 * it: a TAP interface {@code vif<domid>.<handle>} with address
 * fe:ff:ff:ff:ff:ff and MTU 1500, up from the start, in a Linux bridge when
 * one is named, its carrier on only while the backend is Connected. Frames
 * the kernel hands over go to netback's RX path (one reader thread, reading
 * in batches); frames netback takes from the guest go to the kernel (one
 * writer per netback queue). Offload state is mapped by {@link HostOffloads}.
 *
 * <p>When the interface cannot be made (no /dev/net/tun, no CAP_NET_ADMIN,
 * the name taken) the vif runs without it: one warning says why, and what
 * netback would have sent is counted as dropped. The same holds when the
 * interface is removed from outside ({@code ip link del}, or the network
 * namespace it was moved to deleted).
 */
public final class HostInterface implements Uplink {
    private static final Logger LOG = LoggerFactory.getLogger(HostInterface.class);
    /** The address netback gives every vif interface, so that a bridge never takes it for its own. */
    static final long MAC = 0xfe_ff_ff_ff_ff_ffL;
    static final int MTU = 1500;
    private static final TapDevice.Offloads CHECKSUM_ONLY = new TapDevice.Offloads(true, false, false);
    /** Frames one read takes at most: each slot holds a 64 KiB super-frame, so 32 are 2 MiB. */
    private static final int READ_BATCH = 32;
    /** How long one read waits; closing the device wakes it at once. */
    private static final long READ_WAIT_MILLIS = 60_000;
    private static final long STOP_MILLIS = 10_000;
    /** errno (Linux): the descriptor's interface was removed from outside. */
    private static final int EBADFD = 77;
    private static final String LOST = "removed outside the simulator (ip link del, or its network namespace"
            + " deleted)";

    private final String name;
    private final String bridge;
    private volatile String failure;
    private final AtomicBoolean lost = new AtomicBoolean();
    /** Null when the interface could not be made. */
    private final TapDevice tap;
    private final SimNetback netback;
    private final HostCounters counters = new HostCounters();
    private final TapReadBatch batch;
    private final Thread reader;
    private final Sender noInterface = new Sender() {
        @Override
        public void send(SimFrame frame) {
            counters.droppedNoInterface.increment();
        }

        @Override
        public void close() {
        }
    };

    private HostInterface(SimNetback netback, String name, TapDevice tap, String bridge, String failure) {
        this.netback = netback;
        this.name = name;
        this.tap = tap;
        this.bridge = bridge;
        this.failure = failure;
        if (tap == null) {
            batch = null;
            reader = null;
        } else {
            batch = new TapReadBatch(READ_BATCH);
            reader = new Thread(this::readFromHost, "xenpv-sim-hostif-" + name);
            reader.setDaemon(true);
            reader.start();
        }
    }

    /**
     * Makes the host interface of {@code netback}'s vif, named as Linux names
     * it ({@link SimNetback#name()}), and adds it to {@code bridge} unless that
     * is empty. Never fails: without the interface the vif runs on, and one
     * warning says what is missing; a bridge that cannot take it leaves it
     * unbridged, with one warning.
     */
    static HostInterface open(SimNetback netback, String bridge) {
        String name = netback.name();
        TapDevice tap = null;
        try {
            tap = TapDevice.create(name);
            tap.setMacAddress(MAC);
            tap.setMtu(MTU);
            tap.setCarrier(false);
            tap.setOffloads(CHECKSUM_ONLY);
        } catch (TapException | IllegalArgumentException e) {
            if (tap != null) {
                tap.close();
            }
            LOG.warn("{}: no host interface ({}); the vif runs without one and counts the frames for the host as"
                    + " dropped", name, e.getMessage());
            return new HostInterface(netback, name, null, "", e.getMessage());
        }
        String bridged = "";
        try {
            if (!bridge.isEmpty()) {
                tap.addToBridge(bridge);
                bridged = bridge;
            }
        } catch (TapException | IllegalArgumentException e) {
            LOG.warn("{}: not added to bridge {} ({}); the interface stays unbridged", name, bridge, e.getMessage());
        }
        try {
            tap.setUp(true);
        } catch (TapException e) {
            LOG.warn("{}: the interface stays down: {}", name, e.getMessage());
        }
        LOG.info("{}: host interface created{}", name, bridged.isEmpty() ? "" : " in bridge " + bridged);
        return new HostInterface(netback, name, tap, bridged, "");
    }

    private void readFromHost() {
        VirtioNetHeader header = new VirtioNetHeader();
        try {
            while (true) {
                int frames = tap.read(batch, READ_WAIT_MILLIS);
                if (frames < 0) {
                    return; // closed
                }
                for (int i = 0; i < frames; i++) {
                    SimFrame frame = HostOffloads.fromHost(batch.header(i, header), batch.frame(i), counters);
                    if (frame != null) {
                        counters.fromHost.increment();
                        netback.deliver(frame);
                    }
                }
            }
        } catch (TapException e) {
            if (e.errno() == EBADFD) {
                interfaceLost();
            } else if (!tap.isClosed()) {
                LOG.warn("{}: reading from the host interface stopped: {}", name, e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.error("{}: reading from the host interface failed", name, e);
        }
    }

    @Override
    public Sender newSender() {
        return tap == null ? noInterface : new TapSender();
    }

    /** Writes one queue's frames to the kernel through its own writer and buffer. */
    private final class TapSender implements Sender {
        private final TapWriter writer = tap.newWriter();
        /** The frame's bytes are copied here once; the writer then hands this memory to the kernel as it is. */
        private final ByteBuffer scratch = ByteBuffer.allocateDirect(TapDevice.MAX_FRAME_BYTES);

        @Override
        public void send(SimFrame frame) {
            int length = frame.length();
            if (length > scratch.capacity()) {
                counters.droppedRefused.increment(); // netif frames are at most 64 KiB: never happens
                return;
            }
            scratch.clear().put(0, frame.data(), 0, length).limit(length);
            if (!HostOffloads.toHost(frame, scratch, writer.header(), counters)) {
                writer.header().clear();
                return;
            }
            if (writer.write(scratch)) {
                counters.toHost.increment();
            } else if (writer.lastErrno() == EBADFD) {
                counters.droppedNoInterface.increment();
                interfaceLost();
            } else {
                counters.droppedRefused.increment(); // EIO while the interface is down, EINVAL for a bad header
            }
        }

        @Override
        public void close() {
            writer.close();
        }
    }

    /** Sets the offloads the kernel may use towards the frontend, and turns the carrier on. */
    @Override
    public void connected(boolean sg, boolean gsoTcpv4, boolean gsoTcpv6) {
        if (tap == null) {
            return;
        }
        try {
            tap.setOffloads(new TapDevice.Offloads(true, sg && gsoTcpv4, sg && gsoTcpv6));
            tap.setCarrier(true);
        } catch (TapException e) {
            trouble(e);
        }
    }

    @Override
    public void disconnected() {
        if (tap == null) {
            return;
        }
        try {
            tap.setCarrier(false);
        } catch (TapException e) {
            trouble(e);
        }
    }

    /** A control call failed: said once when the interface is gone, else each time (they are rare). */
    private void trouble(TapException e) {
        if (e.errno() == EBADFD) {
            interfaceLost();
        } else if (!tap.isClosed()) {
            LOG.warn("{}: {}", name, e.getMessage());
        }
    }

    /** The interface was removed from outside: the vif runs on without it, as without one from the start. */
    private void interfaceLost() {
        if (!lost.get() && lost.compareAndSet(false, true)) {
            failure = LOST;
            LOG.warn("{}: the interface was {}; the vif runs on without it and counts the frames for the host as"
                    + " dropped", name, LOST);
        }
    }

    /** Removes the interface and stops its reader. */
    @Override
    public void close() {
        if (tap == null || tap.isClosed()) {
            return;
        }
        tap.close();
        try {
            reader.join(STOP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reader.isAlive()) {
            LOG.warn("{}: the host interface's reader did not stop within {} ms", name, STOP_MILLIS);
        } else {
            batch.close();
        }
        LOG.info("{}: host interface removed", name);
    }

    /** The interface's name, {@code vif<domid>.<handle>}. */
    public String name() {
        return name;
    }

    /** The bridge the interface was added to; empty when none. */
    public String bridge() {
        return bridge;
    }

    /** Why the interface is not there (it could not be made, or was removed from outside); empty when it is. */
    public String failure() {
        return failure;
    }

    /** Frames read from the interface and handed to netback for the guest. */
    public long framesFromHost() {
        return counters.fromHost.sum();
    }

    /** Frames read from the interface and dropped: their offload is one netif cannot carry. */
    public long droppedFromHost() {
        return counters.droppedFromHost.sum();
    }

    /** Frames from the guest the kernel took. */
    public long framesToHost() {
        return counters.toHost.sum();
    }

    /** Frames from the guest dropped because there is no interface (any more). */
    public long droppedNoInterface() {
        return counters.droppedNoInterface.sum();
    }

    /** Frames from the guest the kernel refused (the interface down, a header it rejects). */
    public long droppedRefused() {
        return counters.droppedRefused.sum();
    }

    /** Frames from the guest dropped for a blank checksum that could not be located. */
    public long droppedChecksum() {
        return counters.droppedChecksum.sum();
    }

    /** Frames from the guest dropped for segmentation the kernel cannot be told. */
    public long droppedGso() {
        return counters.droppedGso.sum();
    }

    @Override
    public String toString() {
        String why = failure;
        return "host interface " + name + (why.isEmpty() ? "" : " (not there: " + why + ")");
    }
}
