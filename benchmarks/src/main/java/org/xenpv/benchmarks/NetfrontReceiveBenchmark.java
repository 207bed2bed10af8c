package org.xenpv.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
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
 * Netfront's receive path alone: the measuring thread plays the least
 * backend ({@link NetfrontAlone}), turning each posted RX buffer into a
 * received frame without copying, as fast as the queue's thread takes them,
 * checks them, gathers them into its frame buffer, hands them to the stack
 * and posts the buffers again. The score is frames filled per second; the
 * {@code delivered} counter is the frames the stack got per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class NetfrontReceiveBenchmark {
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);

    @Param({"64", "512", "1514"})
    int size;

    private NetfrontAlone fixture;

    /** Frames the stack got, per second of the iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Delivered {
        public long delivered;
        long base;
        NetfrontAlone fixture;

        @Setup(Level.Iteration)
        public void mark(NetfrontReceiveBenchmark bench) {
            fixture = bench.fixture;
            base = fixture.delivered();
            delivered = 0;
        }
    }

    @Setup(Level.Trial)
    public void start() throws Exception {
        fixture = new NetfrontAlone();
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        fixture.close();
    }

    private int unpublished;

    @Benchmark
    public int receive(Delivered counters) throws Exception {
        if (!fixture.fillReceive(size)) {
            fixture.publishReceives();
            unpublished = 0;
            long deadline = System.nanoTime() + STALL_NANOS;
            while (!fixture.fillReceive(size)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no RX buffer was posted for 5 s");
                }
                Thread.onSpinWait();
            }
        }
        if (++unpublished == 32) {
            unpublished = 0;
            fixture.publishReceives();
            counters.delivered = fixture.delivered() - counters.base;
        }
        return unpublished;
    }
}
