package org.xenpv.capture.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.capture.CaptureInfo;
import org.xenpv.capture.CaptureInfo.State;
import org.xenpv.net.FrameMonitor;
import org.xenpv.net.Nic;
import org.xenpv.net.Offload;

/**
 * One capture: the Nic's monitor, which copies each frame into a
 * {@link FrameRing} or counts it as dropped, and the writer thread
 * ({@code xenpv-capture-<nic>}), which turns the ring's records into pcapng
 * blocks and writes them out. The data path never waits for the writer.
 *
 * <p>The writer ends the capture when a limit is reached, when writing fails,
 * or when asked ({@link #requestEnd}); it then writes out what the ring holds
 * (unless a limit ended it), closes the file and ends.
 */
final class Capture implements FrameMonitor, FrameRing.RecordHandler, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Capture.class);
    /** The most bytes kept of one frame (pcapng SnapLen). */
    static final int SNAP_LENGTH = 65535;
    static final String THREAD_PREFIX = "xenpv-capture-";
    private static final int OUT_BYTES = 1 << 20;
    private static final int BATCH = 256;
    private static final long MIN_IDLE_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long MAX_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How long the last drain waits for a producer caught between its claim and its publish. */
    private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final String nicName;
    private final Nic nic;
    private final Path file;
    private final long maxFrames;
    private final long maxBytes;
    private final FrameRing ring;
    private final WritableByteChannel channel;
    private final Thread writer;
    private final long epochNanosAtStart;
    private final long nanoTimeAtStart;
    private final LongAdder dropped = new LongAdder();

    /** Whether the monitor takes frames: read once per frame. */
    private volatile boolean taking = true;
    /** Why the capture was asked to end (null: not asked). */
    private volatile State requested;
    /** Written by the writer thread only, after each write. */
    private volatile long framesWritten;
    private volatile long bytesWritten;

    private final Object lock = new Object();
    /** Guarded by lock. */
    private boolean attached;
    private boolean detached;
    private State ended;
    private String failure;

    // The writer thread's own.
    private final ByteBuffer out = ByteBuffer.allocateDirect(OUT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long pendingFrames;
    private long fileBytes;
    private State limitReached;

    /**
     * @param channel the opened file; this capture closes it
     * @param ringBytes the ring's capacity (a power of two)
     */
    Capture(String nicName, Nic nic, Path file, long maxFrames, long maxBytes, int ringBytes,
            WritableByteChannel channel) {
        this.nicName = nicName;
        this.nic = nic;
        this.file = file;
        this.maxFrames = maxFrames;
        this.maxBytes = maxBytes;
        this.ring = new FrameRing(ringBytes, SNAP_LENGTH);
        this.channel = channel;
        Instant now = Instant.now();
        this.nanoTimeAtStart = System.nanoTime();
        this.epochNanosAtStart = TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
        this.writer = new Thread(this, THREAD_PREFIX + nicName);
        this.writer.setDaemon(true);
    }

    /** The bytes of the file's headers, before any frame. */
    static int headerLength(String nicName) {
        return Pcapng.sectionHeaderLength() + Pcapng.interfaceDescriptionLength(Pcapng.name(nicName));
    }

    String nicName() {
        return nicName;
    }

    Nic nic() {
        return nic;
    }

    Path file() {
        return file;
    }

    /** Starts the writer; frames are taken once {@link #attach} has added the monitor. */
    void start() {
        writer.start();
    }

    /**
     * Adds this capture's monitor to its Nic, unless the capture was asked to end first.
     *
     * @throws RuntimeException what the Nic threw (the capture then ends as {@link State#FAILED})
     */
    void attach() {
        synchronized (lock) {
            if (detached) {
                return;
            }
            try {
                nic.addMonitor(this);
                attached = true;
            } catch (RuntimeException e) {
                failure = nicName + " cannot show its frames: " + e.getMessage();
                requestEnd(State.FAILED);
                throw e;
            }
        }
    }

    /** Removes the monitor (once): the capture takes no frame after this returns. */
    private void detach() {
        taking = false;
        synchronized (lock) {
            if (detached) {
                return;
            }
            detached = true;
            if (attached) {
                try {
                    nic.removeMonitor(this);
                } catch (RuntimeException e) {
                    LOG.debug("capture of {}: removing the monitor failed", nicName, e);
                }
            }
        }
    }

    /** Asks the capture to end with {@code reason}: it stops taking frames now, the writer finishes on its own. */
    void requestEnd(State reason) {
        synchronized (lock) {
            if (requested != null || ended != null) {
                return;
            }
            requested = reason;
        }
        detach();
        LockSupport.unpark(writer);
    }

    /** Waits up to {@code millis} for the writer to end; whether it has. */
    boolean awaitEnd(long millis) throws InterruptedException {
        writer.join(millis);
        return !writer.isAlive();
    }

    /** Interrupts a writer that does not end (a stuck disk): the file may then be cut short. */
    void interrupt() {
        writer.interrupt();
    }

    boolean writerAlive() {
        return writer.isAlive();
    }

    CaptureInfo info() {
        State state;
        String why;
        synchronized (lock) {
            state = ended != null ? ended : requested != null ? State.STOPPING : State.RUNNING;
            why = ended == State.FAILED ? failure : null;
        }
        return new CaptureInfo(nicName, file, framesWritten, bytesWritten, dropped.sum(), state,
                Optional.ofNullable(why));
    }

    // --- the data path ---

    @Override
    public void frame(Direction direction, int queue, ByteBuffer frame, Offload offload) {
        if (!taking) {
            return;
        }
        int position = frame.position();
        int length = frame.limit() - position;
        long timestamp = epochNanosAtStart + (System.nanoTime() - nanoTimeAtStart);
        int type = direction == Direction.INBOUND ? Pcapng.FLAGS_INBOUND : Pcapng.FLAGS_OUTBOUND;
        if (!ring.offer(type, timestamp, length, frame, position, Math.min(length, SNAP_LENGTH))) {
            dropped.increment();
        }
    }

    // --- the writer thread ---

    @Override
    public void run() {
        State end = null;
        String why = null;
        try {
            Pcapng.putSectionHeader(out);
            Pcapng.putInterfaceDescription(out, Pcapng.name(nicName), SNAP_LENGTH);
            fileBytes = out.position();
            flush(); // the file is a valid capture from the start
            end = writeFrames();
        } catch (IOException | RuntimeException e) {
            end = State.FAILED;
            why = "writing " + file + " failed: " + e;
        } finally {
            detach();
            if (end != State.FAILED) {
                try {
                    flush();
                } catch (IOException | RuntimeException e) {
                    end = State.FAILED;
                    why = "writing " + file + " failed: " + e;
                }
            }
            try {
                channel.close();
            } catch (IOException | RuntimeException e) {
                if (end != State.FAILED) {
                    end = State.FAILED;
                    why = "closing " + file + " failed: " + e;
                }
            }
            finish(end, why);
        }
    }

    /** Writes until a limit or a request ends the capture; how it ended. */
    private State writeFrames() throws IOException {
        long idle = MIN_IDLE_NANOS;
        while (true) {
            int frames = ring.drain(this, BATCH);
            if (limitReached != null) {
                return limitReached;
            }
            if (frames > 0) {
                idle = MIN_IDLE_NANOS;
                continue;
            }
            flush();
            State reason = requested;
            if (reason != null) {
                // The monitor is off: take what producers already claimed, then end.
                long deadline = System.nanoTime() + SETTLE_NANOS;
                while (!ring.isEmpty() && limitReached == null && System.nanoTime() - deadline < 0) {
                    if (ring.drain(this, BATCH) == 0) {
                        Thread.onSpinWait();
                    }
                }
                return limitReached != null ? limitReached : reason;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new IOException("interrupted");
            }
            LockSupport.parkNanos(this, idle);
            idle = Math.min(idle * 2, MAX_IDLE_NANOS);
        }
    }

    @Override
    public void onFrame(int type, long timestamp, int originalLength, byte[] buffer, int offset, int capturedLength)
            throws IOException {
        if (limitReached != null) {
            return;
        }
        int block = Pcapng.enhancedPacketLength(capturedLength);
        if (maxBytes != 0 && fileBytes + block > maxBytes) {
            limitReached = State.SIZE_REACHED;
            return;
        }
        if (out.remaining() < block) {
            flush();
        }
        Pcapng.putEnhancedPacket(out, 0, timestamp, originalLength, type, buffer, offset, capturedLength);
        fileBytes += block;
        pendingFrames++;
        if (maxFrames != 0 && framesWritten + pendingFrames >= maxFrames) {
            limitReached = State.COUNT_REACHED;
        }
    }

    private void flush() throws IOException {
        if (out.position() == 0) {
            return;
        }
        out.flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
        out.clear();
        framesWritten += pendingFrames;
        pendingFrames = 0;
        bytesWritten = fileBytes;
    }

    private void finish(State end, String why) {
        synchronized (lock) {
            ended = end;
            if (why != null) {
                failure = why;
            } else if (end != State.FAILED) {
                failure = null;
            }
        }
        if (end == State.FAILED) {
            LOG.warn("capture of {} failed: {}", nicName, failure);
        } else {
            LOG.info("capture of {} ended ({}): {} frames, {} bytes written to {}, {} dropped", nicName, end,
                    framesWritten, bytesWritten, file, dropped.sum());
        }
    }
}
