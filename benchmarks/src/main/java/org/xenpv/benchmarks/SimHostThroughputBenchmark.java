package org.xenpv.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

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
import org.xenpv.net.Nic;
import org.xenpv.net.NicStatistics;
import org.xenpv.net.Offload;
import org.xenpv.net.SendStatus;
import org.xenpv.netfront.standalone.StandaloneNetfront;
import org.xenpv.sim.host.SimulatedHost;
import org.xenpv.sim.netback.SimToolstack;

/**
 * Throughput across the simulated host with full rings: guest 1's Nic offers
 * frames as a stack with more to send does ({@code offer(..., more)}, waiting
 * while its queues are full, a push per 32 frames), over 16 IPv4 flows so that
 * every queue is used; they cross netfront's TX ring, netback's grant copy,
 * the switch, netback's copy into guest 2's RX buffers and netfront's RX
 * ring to guest 2's receiver. The score is frames offered per second;
 * {@code delivered} is frames received per second and {@code lost} frames
 * per second that were counted as dropped anywhere (sender, either netback,
 * receiver).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SimHostThroughputBenchmark {
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int FLOWS = 16;
    /** A 64 KiB TCP segment for GSO: the largest frame netif carries, cut by the receiver's side into MSS pieces. */
    static final int GSO = 65535;

    @Param({"64", "512", "1514", "9014", "65535"})
    int size;

    @Param({"1", "2"})
    int queues;

    private SimulatedHost host;
    private Nic sender;
    private Nic receiver;
    private final LongAdder received = new LongAdder();
    private final ByteBuffer[] frames = new ByteBuffer[FLOWS];
    private Offload offload;
    private int next;
    private int sinceFlush;
    private int sinceUpdate;
    /** Frames between two counts: about 256 KiB, so that large frames are counted often enough too. */
    private int framesPerUpdate;

    /** Per second of the iteration: frames that reached guest 2's stack, and frames counted as dropped. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Outcome {
        public long delivered;
        public long lost;
        long deliveredBase;
        long lostBase;

        @Setup(Level.Iteration)
        public void mark(SimHostThroughputBenchmark bench) {
            deliveredBase = bench.received.sum();
            lostBase = bench.lostSoFar();
            delivered = 0;
            lost = 0;
        }

        void update(SimHostThroughputBenchmark bench) {
            delivered = bench.received.sum() - deliveredBase;
            lost = bench.lostSoFar() - lostBase;
        }
    }

    @Setup(Level.Trial)
    public void connect() throws Exception {
        host = SimulatedHost.builder().guests(2)
                .netfront(new StandaloneNetfront.Settings(queues, 256, 256, 5_000)).start();
        sender = host.guest(1).nic("vif-0");
        receiver = host.guest(2).nic("vif-0");
        if (sender.queueCount() != queues) {
            throw new IllegalStateException("wanted " + queues + " queues, got " + sender.queueCount());
        }
        receiver.setReceiver((queue, arrived, arrivedOffload) -> received.increment());
        framesPerUpdate = Math.max(1, (256 << 10) / size);
        offload = size == GSO ? Offload.gso(Offload.GsoType.TCPV4, 1448) : Offload.NONE;
        for (int flow = 0; flow < FLOWS; flow++) {
            ByteBuffer heap = Frames.frame(receiver.macAddress(), sender.macAddress(), size);
            heap.putShort(12, (short) 0x0800);
            heap.putInt(26, 0x0a000001 + flow);
            frames[flow] = ByteBuffer.allocateDirect(size).put(heap).flip();
        }
    }

    @TearDown(Level.Trial)
    public void disconnect() throws Exception {
        host.close();
    }

    long lostSoFar() {
        NicStatistics.QueueCounters out = sender.statistics().total();
        NicStatistics.QueueCounters in = receiver.statistics().total();
        long netback = 0;
        for (SimToolstack.Vif vif : host.toolstack().vifs()) {
            netback += vif.backend().framesDropped();
        }
        return out.txDropped() + out.txErrors() + netback + in.rxDropped() + in.rxErrors();
    }

    @Benchmark
    public SendStatus offer(Outcome outcome) {
        ByteBuffer frame = frames[next];
        next = (next + 1) & (FLOWS - 1);
        SendStatus status = sender.offer(frame, offload, true);
        if (status == SendStatus.FULL) {
            long deadline = System.nanoTime() + STALL_NANOS;
            do {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the sender's queue stayed full for 5 s");
                }
                Thread.yield();
                status = sender.offer(frame, offload, true);
            } while (status == SendStatus.FULL);
        }
        if (++sinceFlush >= 32) {
            sinceFlush = 0;
            sender.flush();
        }
        // Counting reads every queue's statistics (a few objects): seldom enough to be next to nothing per frame.
        if (++sinceUpdate >= framesPerUpdate) {
            sinceUpdate = 0;
            outcome.update(this);
        }
        return status;
    }
}
