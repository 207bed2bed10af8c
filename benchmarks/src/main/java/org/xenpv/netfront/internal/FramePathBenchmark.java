package org.xenpv.netfront.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
import org.xenpv.net.Nic;
import org.xenpv.net.Offload;
import org.xenpv.sim.netback.NetbackFeatures;

/**
 * One frame at a time from guest 1's Nic to guest 2's receiver across the simulated host: netfront's TX
 * ring, netback's grant copy out, the switch, netback's grant copy into a posted RX buffer, netfront's
 * RX ring and the event channels between. The baseline, measured in the same run, is the least any such
 * path must do: the same frame copied twice.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class FramePathBenchmark {
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);

    @Param({"64", "1514", "9014", "65535"})
    int size;

    private SimWorld world;
    private Nic sender;
    private ByteBuffer frame;
    private final AtomicLong received = new AtomicLong();
    private final ByteBuffer outOfSender = ByteBuffer.allocateDirect(0xffff);
    private final ByteBuffer intoReceiver = ByteBuffer.allocateDirect(0xffff);

    @Setup(Level.Trial)
    public void connect() throws Exception {
        world = new SimWorld();
        Nic[] nics = world.connectedPair(NetbackFeatures.LINUX, NetfrontConfig.DEFAULTS);
        sender = nics[0];
        Nic receiver = nics[1];
        receiver.setReceiver((queue, arrived, offload) -> received.incrementAndGet());
        frame = NetfrontExchangeTest.frame(receiver.macAddress(), sender.macAddress(), size);
    }

    @TearDown(Level.Trial)
    public void disconnect() throws Exception {
        world.close();
    }

    @Benchmark
    public long frameAcrossTheSimulatedHost() {
        long wanted = received.get() + 1;
        if (!sender.send(frame.duplicate(), Offload.NONE)) {
            throw new IllegalStateException("the sender refused a frame with nothing else in flight");
        }
        long deadline = System.nanoTime() + STALL_NANOS;
        while (received.get() < wanted) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("a frame did not arrive within 5 s");
            }
            Thread.onSpinWait();
        }
        return wanted;
    }

    @Benchmark
    public ByteBuffer baselineTwoCopies() {
        outOfSender.clear();
        outOfSender.put(frame.duplicate()).flip();
        intoReceiver.clear();
        return intoReceiver.put(outOfSender);
    }
}
