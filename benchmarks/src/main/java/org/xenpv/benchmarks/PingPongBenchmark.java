package org.xenpv.benchmarks;

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
import org.xenpv.netfront.standalone.StandaloneNetfront;
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

    private SimulatedHost host;
    private Nic ping;
    private RoundTrip roundTrip;

    @Setup(Level.Trial)
    public void connect() throws Exception {
        host = SimulatedHost.builder().guests(2).netfront(new StandaloneNetfront.Settings(1, 256, 256, 5_000))
                .start();
        ping = host.guest(1).nic("vif-0");
        Nic pong = host.guest(2).nic("vif-0");
        roundTrip = new RoundTrip(ping, pong);
    }

    @TearDown(Level.Trial)
    public void disconnect() throws Exception {
        host.close();
    }

    @Benchmark
    public long roundTrip() {
        return roundTrip.once();
    }
}
