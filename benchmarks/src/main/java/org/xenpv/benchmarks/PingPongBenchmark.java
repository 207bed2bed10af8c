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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.xenpv.net.Nic;
import org.xenpv.net.Offload;
import org.xenpv.netfront.StandaloneNetfront;
import org.xenpv.sim.host.SimulatedHost;

/**
 * Round trip of a 64-byte frame between two guests' Nics across the
 * simulated host: guest 1 sends, guest 2's receiver sends it straight back
 * (from its queue's thread), guest 1's receiver sees it. Sampled, so that the
 * median and the 99th percentile are reported.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class PingPongBenchmark {
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);

    private SimulatedHost host;
    private Nic ping;
    private ByteBuffer frame;
    private volatile long returned;

    @Setup(Level.Trial)
    public void connect() throws Exception {
        host = SimulatedHost.builder().guests(2).netfront(new StandaloneNetfront.Settings(1, 256, 256, 5_000))
                .start();
        ping = host.guest(1).nic("vif-0");
        Nic pong = host.guest(2).nic("vif-0");
        ByteBuffer echo = ByteBuffer.allocateDirect(64);
        pong.setReceiver((queue, arrived, offload) -> {
            // Back to the sender: destination and source swapped, the rest as it came.
            echo.clear();
            echo.put(0, arrived, arrived.position() + 6, 6);
            echo.put(6, arrived, arrived.position(), 6);
            echo.put(12, arrived, arrived.position() + 12, 52);
            pong.send(echo, Offload.NONE);
        });
        ping.setReceiver((queue, arrived, offload) -> returned = returned + 1);
        ByteBuffer heap = Frames.frame(pong.macAddress(), ping.macAddress(), 64);
        frame = ByteBuffer.allocateDirect(64).put(heap).flip();
    }

    @TearDown(Level.Trial)
    public void disconnect() throws Exception {
        host.close();
    }

    @Benchmark
    public long roundTrip() {
        long wanted = returned + 1;
        if (!ping.send(frame, Offload.NONE)) {
            throw new IllegalStateException("the sender refused a frame with nothing else in flight");
        }
        long deadline = System.nanoTime() + STALL_NANOS;
        while (returned < wanted) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("a frame did not come back within 5 s");
            }
            Thread.onSpinWait();
        }
        return wanted;
    }
}
