package org.xenpv.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

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
import org.xenpv.net.Offload;
import org.xenpv.net.SendStatus;

/**
 * Netfront's transmit path alone: frames offered to a one-queue Nic as a
 * stack with more to send offers them (the push deferred, once per 32 frames
 * or when the ring is full), and the least backend ({@link NetfrontAlone}) completes every
 * request without copying. The backend runs on the measuring thread when the
 * ring is full, as one batch, so that the figure is the driver's cost per frame
 * and not the scheduling of a third busy thread on a two-core machine. The
 * score is frames queued per second; at steady state each was also completed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class NetfrontTransmitBenchmark {
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);

    @Param({"64", "512", "1514"})
    int size;

    private NetfrontAlone fixture;
    private ByteBuffer frame;
    private int sinceFlush;

    @Setup(Level.Trial)
    public void start() throws Exception {
        fixture = new NetfrontAlone();
        frame = ByteBuffer.allocateDirect(size);
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        fixture.close();
    }

    @Benchmark
    public SendStatus transmit() throws Exception {
        SendStatus status = fixture.nic.offer(frame, Offload.NONE, true);
        if (status == SendStatus.QUEUED) {
            if (++sinceFlush == 32) {
                sinceFlush = 0;
                fixture.nic.flush();
            }
            return status;
        }
        long deadline = System.nanoTime() + STALL_NANOS;
        while (status == SendStatus.FULL) {
            fixture.nic.flush();
            sinceFlush = 0;
            fixture.answerTransmits();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the TX ring stayed full for 5 s");
            }
            status = fixture.nic.offer(frame, Offload.NONE, true);
        }
        if (status != SendStatus.QUEUED) {
            throw new IllegalStateException("the Nic refused a frame: " + status);
        }
        return status;
    }
}
