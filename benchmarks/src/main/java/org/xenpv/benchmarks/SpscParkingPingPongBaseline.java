package org.xenpv.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
 * The floor of a round trip between threads that sleep while they wait: the
 * same two SPSC rings as {@link SpscPingPongBaseline}, but each side parks
 * when its ring is empty and the writer unparks the reader, as xenpv's
 * threads sleep between frames. A round trip is two wake-ups, and nothing
 * else: whatever a wake-up costs on the machine, any path whose threads sleep
 * pays it at least once per hand-off.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// Agrona 2 reaches the JDK's internal Unsafe, which Java 17 opens only on request.
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class SpscParkingPingPongBaseline {
    private static final int CAPACITY = 1 << 16;
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final OneToOneRingBuffer there = ring();
    private final OneToOneRingBuffer back = ring();
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final UnsafeBuffer returned = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final MessageHandler copyBack = (type, buffer, offset, length) -> buffer.getBytes(offset, returned, 0,
            length);
    private volatile boolean running;
    private volatile Thread sender;
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
            if (!back.write(1, echoed, 0, length)) {
                throw new IllegalStateException("the ring back is full with one frame in flight");
            }
            LockSupport.unpark(sender);
        };
        echo = new Thread(() -> {
            while (running) {
                // A read that ends at the padding before the ring wraps takes nothing: parked only when empty.
                // An unpark that comes before the park makes it return, and the ring is looked at again.
                if (there.read(reply) == 0 && there.size() == 0) {
                    LockSupport.park(this);
                }
            }
        }, "bench-spsc-parking-echo");
        echo.setDaemon(true);
        echo.start();
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        running = false;
        LockSupport.unpark(echo);
        echo.join();
    }

    @Benchmark
    public int roundTrip() {
        sender = Thread.currentThread();
        if (!there.write(1, frame, 0, 64)) {
            throw new IllegalStateException("the ring is full with nothing in flight");
        }
        LockSupport.unpark(echo);
        long deadline = System.nanoTime() + STALL_NANOS;
        int read;
        while ((read = back.read(copyBack)) == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no echo within 5 s");
            }
            if (back.size() == 0) {
                LockSupport.parkNanos(this, STALL_NANOS);
            }
        }
        return read;
    }
}
