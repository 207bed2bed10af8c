package org.xenpv.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The SPSC ring of {@link SpscRingBaseline} on one thread: each frame written
 * (copied in) then read (copied out) by the same thread. It is the software
 * cost of the ring and its two copies with no hand-off between cores, the
 * baseline for a path measured on one thread (netfront's TX alone), and it
 * stays meaningful on a machine too busy to give two spinning threads two cores.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// Agrona 2 reaches the JDK's internal Unsafe, which Java 17 opens only on request.
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SpscRingOneThreadBaseline {
    private static final int CAPACITY = 1 << 20;

    @Param({"64", "512", "1514", "9014", "65535"})
    int size;

    private OneToOneRingBuffer ring;
    private UnsafeBuffer frame;
    private final UnsafeBuffer received = new UnsafeBuffer(ByteBuffer.allocateDirect(0x10000));
    private final MessageHandler copyOut = (type, buffer, offset, length) -> buffer.getBytes(offset, received, 0,
            length);

    @Setup(Level.Trial)
    public void create() {
        ring = new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH)));
        frame = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
        for (int i = 0; i < size; i++) {
            frame.putByte(i, (byte) i);
        }
    }

    @Benchmark
    public int carry() {
        if (!ring.write(1, frame, 0, size)) {
            throw new IllegalStateException("the ring is full with nothing in it");
        }
        int read;
        // A read that meets the padding at the ring's end returns none: the frame is at the start.
        while ((read = ring.read(copyOut, 1)) == 0) {
            Thread.onSpinWait();
        }
        return read;
    }
}
