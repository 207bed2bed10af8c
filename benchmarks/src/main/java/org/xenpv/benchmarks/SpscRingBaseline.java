package org.xenpv.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * The baseline for every throughput figure: the same frames carried between
 * two threads by Agrona's single-producer single-consumer ring buffer, each
 * copied in by the producer and out by the consumer. The {@code consume}
 * score is frames carried per second; what a driver adds on top (rings shared
 * with another domain, grants, events, checks) is the ratio to it.
 *
 * <p>Two spinning threads need two free cores: on a busy two-core machine this
 * figure measures the scheduler as much as the ring; {@link
 * SpscRingOneThreadBaseline} is the same ring on one thread.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// Agrona 2 reaches the JDK's internal Unsafe, which Java 17 opens only on request.
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SpscRingBaseline {
    /** Room for 16 of the largest frames: a message may use at most an eighth of the ring. */
    private static final int CAPACITY = 1 << 20;

    @Param({"64", "512", "1514", "9014", "65535"})
    int size;

    private OneToOneRingBuffer ring;
    private UnsafeBuffer frame;
    private final UnsafeBuffer received = new UnsafeBuffer(ByteBuffer.allocateDirect(0x10000));
    private final org.agrona.concurrent.MessageHandler copyOut =
            (type, buffer, offset, length) -> buffer.getBytes(offset, received, 0, length);

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
    @Group("spsc")
    @GroupThreads(1)
    public boolean produce(Control control) {
        while (!ring.write(1, frame, 0, size)) {
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public int consume(Control control) {
        int read;
        while ((read = ring.read(copyOut, 1)) == 0) {
            if (control.stopMeasurement) {
                return 0;
            }
            Thread.onSpinWait();
        }
        return read;
    }
}
