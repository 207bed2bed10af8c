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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The latency baseline: a 64-byte frame sent to another thread over one of
 * Agrona's SPSC ring buffers and sent back over another, both threads
 * spinning. Sampled like the Nic's round trip.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// Agrona 2 reaches the JDK's internal Unsafe, which Java 17 opens only on request.
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class SpscPingPongBaseline {
    private static final int CAPACITY = 1 << 16;
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final OneToOneRingBuffer there = ring();
    private final OneToOneRingBuffer back = ring();
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final UnsafeBuffer returned = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final MessageHandler copyBack = (type, buffer, offset, length) -> buffer.getBytes(offset, returned, 0,
            length);
    private volatile boolean running;
    private Thread echo;

    private static OneToOneRingBuffer ring() {
        return new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    @Setup(Level.Trial)
    public void start() {
        running = true;
        UnsafeBuffer echoed = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        MessageHandler reply = (type, buffer, offset, length) -> {
            buffer.getBytes(offset, echoed, 0, length);
            while (!back.write(1, echoed, 0, length)) {
                Thread.onSpinWait();
            }
        };
        echo = new Thread(() -> {
            while (running) {
                if (there.read(reply) == 0) {
                    Thread.onSpinWait();
                }
            }
        }, "bench-spsc-echo");
        echo.setDaemon(true);
        echo.start();
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        running = false;
        echo.join();
    }

    @Benchmark
    public int roundTrip() {
        if (!there.write(1, frame, 0, 64)) {
            throw new IllegalStateException("the ring is full with nothing in flight");
        }
        long deadline = System.nanoTime() + STALL_NANOS;
        int read;
        while ((read = back.read(copyBack)) == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no echo within 5 s");
            }
            Thread.onSpinWait();
        }
        return read;
    }
}
