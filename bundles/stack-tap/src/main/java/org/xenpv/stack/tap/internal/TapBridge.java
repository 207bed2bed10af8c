package org.xenpv.stack.tap.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.net.FrameReceiver;
import org.xenpv.net.LinkState;
import org.xenpv.net.Nic;
import org.xenpv.net.NicCapabilities;
import org.xenpv.net.NicState;
import org.xenpv.net.NicStateListener;
import org.xenpv.net.Offload;
import org.xenpv.net.SendStatus;
import org.xenpv.net.tap.TapDevice;
import org.xenpv.net.tap.TapException;
import org.xenpv.net.tap.TapReadBatch;
import org.xenpv.net.tap.TapWriter;
import org.xenpv.net.tap.VirtioNetHeader;
import org.xenpv.stack.tap.TapStack;

/**
 * Pumps frames between a Nic and a TAP device. The kernel's frames are read
 * in batches on this bridge's own thread and offered to the Nic, waiting
 * while its queue is full rather than dropping; the Nic's frames are written
 * to the kernel on the Nic's receive thread, straight from its buffer, with
 * a writer per queue. Nothing is allocated per frame.
 */
final class TapBridge implements FrameReceiver, NicStateListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TapBridge.class);
    static final int BATCH = 64;
    /** How long a frame waits for room in a full queue before it is dropped: longer than any honest stall. */
    private static final long ROOM_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long JOIN_MILLIS = 10_000;

    private final Nic nic;
    private final TapDevice tap;
    private final TapReadBatch batch = new TapReadBatch(BATCH);
    private final VirtioNetHeader header = new VirtioNetHeader();
    private final OffloadMapping mapping = new OffloadMapping();
    private final Thread reader;
    /** One writer per receive queue, made on first use; never freed while a receive may use it. */
    private final TapWriter[] writers = new TapWriter[Long.SIZE];
    private final Object sharedWriterLock = new Object();
    private TapWriter sharedWriter;

    // Written by the reader thread only.
    private volatile long fromKernel;
    private volatile long toNic;
    private volatile long toNicDropped;
    // Written by the Nic's receive threads.
    private final LongAdder toKernel = new LongAdder();
    private final LongAdder toKernelDropped = new LongAdder();
    private volatile boolean closed;

    /** Starts pumping: the TAP's offloads and carrier follow the Nic from now on. */
    TapBridge(Nic nic, TapDevice tap) {
        this.nic = nic;
        this.tap = tap;
        this.reader = new Thread(this::pumpFromKernel, "xenpv-tap-" + tap.name());
        reader.setDaemon(true);
        followNic();
        nic.setReceiver(this);
        nic.addStateListener(this);
        followNic(); // again: the Nic may have changed while we were registering
        reader.start();
    }

    private synchronized void followNic() {
        if (closed) {
            return;
        }
        try {
            tap.setOffloads(offloadsFor(nic.capabilities()));
            tap.setCarrier(nic.linkState() == LinkState.UP);
        } catch (TapException e) {
            if (!tap.isClosed()) {
                LOG.warn("TAP stack {}: following {}: {}", tap.name(), nic.name(), e.getMessage());
            }
        }
    }

    /** What the kernel may hand over: exactly what the Nic can send on. */
    static TapDevice.Offloads offloadsFor(NicCapabilities caps) {
        boolean checksum = caps.txChecksumOffload();
        boolean segments = checksum && caps.scatterGather() && caps.maxFrameBytes() >= 0xffff;
        return new TapDevice.Offloads(checksum, segments && caps.tsoV4(), segments && caps.tsoV6());
    }

    @Override
    public void stateChanged(Nic changed, NicState state) {
        followNic();
    }

    @Override
    public void linkChanged(Nic changed, LinkState link) {
        followNic();
    }

    // --- kernel to Nic ---

    private void pumpFromKernel() {
        try {
            while (!closed) {
                int count = tap.read(batch, 1000);
                if (count < 0) {
                    return;
                }
                for (int i = 0; i < count; i++) {
                    fromKernel++;
                    ByteBuffer frame = batch.frame(i);
                    Offload offload = mapping.fromKernel(batch.header(i, header), frame);
                    if (offload == null || !offerWaitingForRoom(frame, offload)) {
                        toNicDropped++;
                    } else {
                        toNic++;
                    }
                }
                if (count > 0) {
                    nic.flush();
                }
            }
        } catch (TapException e) {
            if (!closed) {
                LOG.error("TAP stack {}: reading from the kernel failed; no more frames go to {}: {}", tap.name(),
                        nic.name(), e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.error("TAP stack {}: the pump to {} stopped", tap.name(), nic.name(), e);
        }
    }

    private boolean offerWaitingForRoom(ByteBuffer frame, Offload offload) {
        try {
            SendStatus status = nic.offer(frame, offload, true);
            long parkNanos = 10_000;
            long deadline = 0;
            while (status == SendStatus.FULL && !closed) {
                if (deadline == 0) {
                    deadline = System.nanoTime() + ROOM_WAIT_NANOS;
                } else if (System.nanoTime() > deadline) {
                    return false;
                }
                LockSupport.parkNanos(parkNanos);
                parkNanos = Math.min(parkNanos * 2, 1_000_000);
                status = nic.offer(frame, offload, true);
            }
            return status == SendStatus.QUEUED;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // Too large, or an offload the Nic no longer offers (it reconnected with fewer features).
            return false;
        }
    }

    // --- Nic to kernel ---

    @Override
    public void receive(int queue, ByteBuffer frame, Offload offload) {
        if (queue >= 0 && queue < writers.length) {
            write(writerFor(queue), frame, offload);
        } else {
            synchronized (sharedWriterLock) {
                if (sharedWriter == null) {
                    sharedWriter = tap.newWriter();
                }
                write(sharedWriter, frame, offload);
            }
        }
    }

    private TapWriter writerFor(int queue) {
        TapWriter writer = writers[queue];
        if (writer == null) {
            synchronized (writers) {
                writer = writers[queue];
                if (writer == null) {
                    writer = tap.newWriter();
                    writers[queue] = writer;
                }
            }
        }
        return writer;
    }

    private void write(TapWriter writer, ByteBuffer frame, Offload offload) {
        if (!OffloadMapping.toKernel(offload, frame, writer.header()) || !writer.write(frame)) {
            toKernelDropped.increment();
        } else {
            toKernel.increment();
        }
    }

    TapStack.Counters counters() {
        return new TapStack.Counters(fromKernel, toNic, toNicDropped, toKernel.sum(), toKernelDropped.sum(),
                mapping.checksumsCompleted());
    }

    /** Stops both pumps and removes the interface; frames in flight are the Nic's to count. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        nic.removeStateListener(this);
        nic.clearReceiver(this);
        tap.close();
        try {
            reader.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reader.isAlive()) {
            LOG.warn("TAP stack {}: the reader thread did not end within {} ms", tap.name(), JOIN_MILLIS);
        } else {
            batch.close();
        }
    }
}
