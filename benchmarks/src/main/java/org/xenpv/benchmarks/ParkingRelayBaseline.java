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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor of {@link PingPongBenchmark}'s round trip on this machine: a
 * 64-byte frame passed through as many threads that sleep while they wait as
 * a round trip across the simulated host wakes. There the sender spins, and
 * four threads wake in turn: the simulated netback's queue of guest 1 (it
 * copies the frame into guest 2's RX ring), guest 2's netfront queue (its
 * receiver sends the echo), the netback's queue of guest 2, and guest 1's
 * netfront queue (its receiver marks the frame back). Here each of those is a
 * thread that parks when its SPSC ring is empty and is unparked by the one
 * before it, and the sender spins for the last: nothing but the wake-ups and
 * four copies of 64 bytes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// Agrona 2 reaches the JDK's internal Unsafe, which Java 17 opens only on request.
@Fork(value = 1, jvmArgsAppend = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class ParkingRelayBaseline {
    private static final int CAPACITY = 1 << 16;
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** The threads that wake in turn: four, as in a round trip across the simulated host. */
    @Param("4")
    public int wakeUps;

    private OneToOneRingBuffer[] rings;
    private Thread[] relays;
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private volatile boolean running;
    private volatile long returned;

    private static OneToOneRingBuffer ring() {
        return new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    @Setup(Level.Trial)
    public void start() {
        running = true;
        rings = new OneToOneRingBuffer[wakeUps];
        for (int i = 0; i < wakeUps; i++) {
            rings[i] = ring();
        }
        relays = new Thread[wakeUps];
        for (int i = 0; i < wakeUps; i++) {
            relays[i] = relay(i);
        }
        for (Thread relay : relays) {
            relay.start();
        }
    }

    /** Relay {@code i} reads ring i and writes ring i + 1, unparking the next relay; the last marks the frame back. */
    private Thread relay(int i) {
        OneToOneRingBuffer in = rings[i];
        boolean last = i == wakeUps - 1;
        OneToOneRingBuffer out = last ? null : rings[i + 1];
        UnsafeBuffer copy = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        MessageHandler pass = (type, buffer, offset, length) -> {
            buffer.getBytes(offset, copy, 0, length);
            if (last) {
                returned = returned + 1;
            } else {
                if (!out.write(1, copy, 0, length)) {
                    throw new IllegalStateException("a ring is full with one frame in flight");
                }
                LockSupport.unpark(relays[i + 1]);
            }
        };
        Thread thread = new Thread(() -> {
            while (running) {
                // Parked only when empty; an unpark that comes before the park makes it return.
                if (in.read(pass) == 0 && in.size() == 0) {
                    LockSupport.park(this);
                }
            }
        }, "bench-relay-" + i);
        thread.setDaemon(true);
        return thread;
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        running = false;
        for (Thread relay : relays) {
            LockSupport.unpark(relay);
            relay.join();
        }
    }

    @Benchmark
    public long roundTrip() {
        long wanted = returned + 1;
        if (!rings[0].write(1, frame, 0, 64)) {
            throw new IllegalStateException("the ring is full with nothing in flight");
        }
        LockSupport.unpark(relays[0]);
        long deadline = System.nanoTime() + STALL_NANOS;
        while (returned < wanted) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the frame did not come back within 5 s");
            }
            Thread.onSpinWait();
        }
        return wanted;
    }
}
