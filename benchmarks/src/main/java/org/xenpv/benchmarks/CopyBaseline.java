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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The other baseline: one plain copy of a frame's bytes between two direct
 * buffers on one thread, the memory bandwidth any path that copies must pay
 * per copy (the simulated host copies each frame four times: into the TX
 * page, out by netback, into the RX page by netback, out into the frame).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CopyBaseline {
    @Param({"64", "512", "1514", "9014", "65535"})
    int size;

    private ByteBuffer from;
    private ByteBuffer to;

    @Setup(Level.Trial)
    public void create() {
        from = ByteBuffer.allocateDirect(size);
        to = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            from.put(i, (byte) i);
        }
    }

    @Benchmark
    public ByteBuffer copy() {
        return to.put(0, from, 0, size);
    }
}
