package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.netif.ExtraInfo;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.netif.TxResponse;
import org.xenpv.abi.ring.RingEntryLayout;
import org.xenpv.abi.ring.SharedRingDescriptor;
import org.xenpv.evtchn.standalone.StandaloneEventChannels;
import org.xenpv.gnttab.Revocation;
import org.xenpv.gnttab.standalone.StandaloneGrantTable;
import org.xenpv.net.MacAddress;
import org.xenpv.net.NicCapabilities;
import org.xenpv.net.NicState;
import org.xenpv.net.NicStatistics;
import org.xenpv.net.Offload;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.GrantMapping;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.ports.SimDevicePorts;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * netfront's TX and RX response processing against a backend that writes
 * whatever the fuzzer says. A real queue and Nic run in guest 1 of the
 * simulated hypervisor, over the real grant table and event channels; the
 * backend in dom0 maps the guest's granted rings and writes ring slots
 * (ids, statuses, offsets, sizes, flags, extra info), response producers and
 * notifications as the input's operations say ({@link Script} spells them).
 * Plain {@code mvn test} replays the seeds in NetfrontRingsFuzzTestInputs/;
 * with JAZZER_FUZZ=1 Jazzer fuzzes.
 *
 * <p>Whatever the backend writes:
 * <ul>
 * <li>nothing is thrown to the Nic's user or to the event dispatcher, and the
 * queue's thread does not die;</li>
 * <li>every frame delivered is, byte for byte, the data of consecutive
 * published responses after the previous frame's: each slot's bytes from its
 * own granted buffer at the offset and length its response gives, at most
 * {@link RxPackets#MAX_SLOTS} data slots, with the offload its flags
 * and extra info give; no frame after the device broke;</li>
 * <li>after an event the queue takes everything published (or marks the
 * device broken) within a bound, and its thread then goes idle: nothing
 * spins;</li>
 * <li>the device ends either working (every RX buffer posted again, an honest
 * packet each way still gets through) or broken (DOWN, with a reason, sends
 * refused without an exception);</li>
 * <li>every frame sent is counted once, as sent, dropped or errored;</li>
 * <li>after close no grant, mapping or port is left in either domain.</li>
 * </ul>
 *
 * <p>One simulated hypervisor, guest grant table and event channels serve
 * every input; each input gets a new queue and Nic, which is what a
 * reconnection gets.
 */
class NetfrontRingsFuzzTest {
    private static final int GUEST = 1;
    private static final int PAGE = NetfrontQueue.PAGE;
    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final VarHandle INDEX = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private static Hypervisor hypervisor;
    private static Domain dom0;
    private static Domain guest;
    private static SimDevicePorts ports;
    private static StandaloneGrantTable grants;
    private static StandaloneEventChannels events;
    private static int inputs;

    @BeforeAll
    static void startHost() throws Exception {
        hypervisor = new Hypervisor(new HypervisorLimits(32768, 4096));
        dom0 = hypervisor.createDomain(0, "Domain-0");
        guest = hypervisor.createDomain(GUEST, "guest1");
        ports = new SimDevicePorts(guest, null);
        grants = StandaloneGrantTable.open(ports.openGrantAllocPort(), "netfront");
        events = StandaloneEventChannels.open(ports.openEventChannelPort());
    }

    @AfterAll
    static void stopHost() {
        events.close();
        grants.close();
        ports.closeAll();
    }

    @FuzzTest(maxDuration = "60s")
    void backendResponses(byte[] input) throws Exception {
        play(input);
    }

    /**
     * The seed corpus, by file name: each shape of backend behaviour the
     * fuzzer starts from, and what the device must make of it (the reason it
     * is broken for, or null when it must keep working).
     */
    private static final Map<String, Seed> SEEDS = new LinkedHashMap<>();

    private record Seed(Script script, String brokenFor, long delivered) {
    }

    private static void seed(String name, String brokenFor, long delivered, Script script) {
        SEEDS.put(name, new Seed(script, brokenFor, delivered));
    }

    static {
        int csumBlank = Netif.NETRXF_CSUM_BLANK;
        seed("good-packets", null, 3, new Script(0)
                .rxPacket(60 - 14, 0, 0, 0, 0).rxPacket(1500 - 14, 0, csumBlank, 0, 0).rxPublish(0)
                .send(100 - 14, 0, 0, 0).send(1000 - 14, 0, 0, 1).txAnswer(0).txPublish(0).notifyBoth());
        seed("multi-slot", null, 3, new Script(Script.SG | Script.SPLIT | Script.MANY_RX_BUFFERS)
                .rxPacket(9000 - 14, 0, 0, 0, 0).rxPacket(65535 - 14, 100, 0, 0, 0).rxPublish(0).notifyBoth()
                .send(9000 - 14, 0, 0, 0).txAnswer(0).txPublish(0).notifyBoth());
        seed("gso-extra", null, 3, new Script(Script.SG | Script.GSO_TCPV4 | Script.GSO_TCPV6 | Script.TRUSTED)
                .rxPacket(30000 - 14, 0, 0, 1, 1448).rxPacket(20000 - 14, 0, 0, 2, 1440).rxPublish(0).notifyBoth()
                .send(30000 - 14, 1, 1448, 0).send(20000 - 14, 2, 1440, 0).txAnswer(0).txPublish(0)
                .notifyBoth());
        seed("rx-bad-id", "names another buffer", 0, new Script(0)
                .rxSlot(false, 9, 0, 0, 60).rxPublish(0).notifyBoth());
        seed("rx-producer-ahead", "RX response producer", 0, new Script(0)
                .rxPacket(60 - 14, 0, 0, 0, 0).rxPublishAt(5000).notifyBoth());
        seed("rx-producer-backwards", "RX response producer", 2, new Script(0)
                .rxPacket(60 - 14, 0, 0, 0, 0).rxPacket(60 - 14, 0, 0, 0, 0).rxPublish(0).notifyBoth()
                .rxPublish(-2 - 2).notifyBoth());
        seed("tx-producer-ahead", "TX response producer", 0, new Script(0)
                .send(100 - 14, 0, 0, 0).txAnswer(0).txPublish(5).notifyBoth());
        seed("tx-bad-id", "not in flight", 0, new Script(0)
                .send(100 - 14, 0, 0, 0).txSlot(false, 200, 0).txPublish(0).notifyBoth());
        seed("tx-duplicate", "not in flight", 0, new Script(0)
                .send(100 - 14, 0, 0, 0).send(100 - 14, 0, 0, 0).txSlot(true, 0, 0).txSlot(false, 0, 0)
                .txPublish(0).notifyBoth());
        seed("rx-incomplete", null, 1, new Script(0)
                .rxSlot(true, 0, 0, Netif.NETRXF_MORE_DATA, 60).rxPublish(0).notifyBoth());
        seed("rx-extra-more", "extra info", 0, new Script(Script.GSO_TCPV4)
                .rxSlot(true, 0, 0, Netif.NETRXF_EXTRA_INFO, 60)
                .rxExtra(Netif.XEN_NETIF_EXTRA_TYPE_GSO, Netif.XEN_NETIF_EXTRA_FLAG_MORE, 1448, 1)
                .rxPublish(0).notifyBoth());
        seed("rx-outside-page", "outside its page", 0, new Script(0)
                .rxSlot(true, 0, 4000, 0, 200).rxPublish(0).notifyBoth());
        seed("rx-stale-slots", null, 3, new Script(Script.TRUSTED)
                .rxPacket(60 - 14, 0, 0, 0, 0).rxSkip(2).rxPacket(60 - 14, 0, 0, 0, 0).rxPublish(0).notifyBoth());
        // Found by fuzzing: the queue started by up() broke on what was left in its ring before up() wrote
        // ACTIVE, and the broken device stayed ACTIVE. A race: this seed hits it only sometimes.
        seed("broken-while-coming-up", "outside its page", 0, new Script(0)
                .rxSlot(true, 0, 4000, 0, 200).down().rxPublish(0).notifyBoth().up());
        // Found by fuzzing: 19 data slots were taken as one frame (the limit counted the extra-info slot and
        // one more); the finding reached it through request slots left unanswered, whose grant references
        // read as MORE_DATA flags, so it depended on which references the grant table gave out.
        Script nineteenSlots = new Script(0);
        for (int s = 0; s < RxPackets.MAX_SLOTS; s++) {
            nineteenSlots.rxSlot(true, 0, 0, Netif.NETRXF_MORE_DATA, 100);
        }
        seed("rx-nineteen-data-slots", "more than 18 slots", 0,
                nineteenSlots.rxSlot(true, 0, 0, 0, 100).rxPublish(0).notifyBoth());
        // Found by fuzzing (the gate's failure of 2026-12-07): frames sent while the queue's thread was on its
        // TX timer, then down(): the thread slept without asking for the event that announces their answers,
        // since the Nic was down; whether it was asked for depended on whether a sender asked first.
        seed("tx-in-flight-across-down", null, 1, new Script(0)
                .send(100 - 14, 0, 0, 0).send(100 - 14, 0, 0, 0).down().notifyBoth());
        seed("storm-while-down", null, 2, new Script(Script.SPLIT)
                .rxPacket(60 - 14, 0, 0, 0, 0).rxPublish(0).notifyBoth().down().storm(32).send(100 - 14, 0, 0, 0).up()
                .storm(32));
    }

    @Test
    void theSeedsInTheRepositoryAreTheScriptsAbove() throws Exception {
        String directory = System.getProperty("xenpv.fuzz.writeSeeds");
        if (directory != null) {
            for (Map.Entry<String, Seed> seed : SEEDS.entrySet()) {
                Files.write(Path.of(directory, seed.getKey()), seed.getValue().script().bytes());
            }
        }
        for (Map.Entry<String, Seed> seed : SEEDS.entrySet()) {
            try (InputStream stored = NetfrontRingsFuzzTest.class.getResourceAsStream(
                    "NetfrontRingsFuzzTestInputs/backendResponses/" + seed.getKey())) {
                assertNotNull(stored, "seed " + seed.getKey() + " (write the seeds with -Dxenpv.fuzz.writeSeeds=DIR)");
                assertArrayEquals(seed.getValue().script().bytes(), stored.readAllBytes(), seed.getKey());
            }
        }
    }

    @Test
    void eachSeedDoesWhatItIsNamedFor() throws Exception {
        for (Map.Entry<String, Seed> entry : SEEDS.entrySet()) {
            Seed seed = entry.getValue();
            Outcome outcome = play(seed.script().bytes());
            if (seed.brokenFor() == null) {
                assertEquals(Optional.empty(), outcome.brokenReason(), entry.getKey());
            } else {
                assertTrue(outcome.brokenReason().orElse("").contains(seed.brokenFor()),
                        entry.getKey() + ": " + outcome.brokenReason());
            }
            assertEquals(seed.delivered(), outcome.framesDelivered(), entry.getKey() + ": frames delivered");
        }
    }

    /** Runs one input against a new queue and Nic and checks every invariant; returns what happened. */
    static Outcome play(byte[] input) throws Exception {
        long handlerFailures = events.handlerFailures();
        Vif vif = new Vif(input, "xenpv-netfront-fuzz-" + inputs++ + "-q0");
        Outcome outcome;
        try {
            vif.run();
            outcome = vif.finish();
        } catch (Throwable t) {
            vif.closeQuietly();
            throw t;
        }
        vif.close();
        assertEquals(handlerFailures, events.handlerFailures(), "event handlers that threw");
        return outcome;
    }

    /** What one input did, for the tests that check the seeds do what they are named for. */
    record Outcome(Optional<String> brokenReason, long framesDelivered, NicStatistics.QueueCounters counters) {
    }

    /** The operations an input is made of: one code byte, then its arguments (missing bytes read as 0). */
    enum Op {
        /** Writes one RX response: id-mode (even: the slot's own id), id, offset, flags, status. */
        RX_SLOT,
        /** Writes one RX extra-info slot: type, flags, gso size, gso type. */
        RX_EXTRA,
        /** Writes a whole packet as netback would: length, first offset, checksum flags, gso type, gso size. */
        RX_PACKET,
        /** Publishes the RX response producer: mode (even: written + signed delta; odd: the value), delta or value. */
        RX_PUBLISH,
        /** Writes one TX response: id-mode (even: the next request's id), id, status. */
        TX_SLOT,
        /** Answers every TX request read and not answered: status (OKAY, DROPPED, ERROR by value mod 3). */
        TX_ANSWER,
        /** Publishes the TX response producer, as RX_PUBLISH. */
        TX_PUBLISH,
        /** Notifies the frontend (bit 0: the TX port, bit 1: the RX port, neither: both) and waits for the queue. */
        NOTIFY,
        /** The Nic's user sends a frame: length, gso type, gso size, checksum mode. */
        SEND,
        /** The Nic's user takes it down (even) or up (odd). */
        DOWN_UP,
        /** Leaves 1 to 4 RX slots unwritten. */
        RX_SKIP,
        /** Notifies 1 to 32 times without waiting, then waits for the queue. */
        STORM;

        static final Op[] ALL = values();
    }

    /**
     * Spells an input. The first byte says what was negotiated: bit 0 split
     * event channels, 1 a trusted backend (buffers not zeroed), 2 sg, 3
     * gso-tcpv4, 4 gso-tcpv6, 5 256 RX buffers (else 32), 6 256 TX buffers
     * (else 24).
     */
    static final class Script {
        static final int SPLIT = 1;
        static final int TRUSTED = 1 << 1;
        static final int SG = 1 << 2;
        static final int GSO_TCPV4 = 1 << 3;
        static final int GSO_TCPV6 = 1 << 4;
        static final int MANY_RX_BUFFERS = 1 << 5;
        static final int MANY_TX_BUFFERS = 1 << 6;

        private final ByteBuffer out = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        Script(int config) {
            out.put((byte) config);
        }

        private Script op(Op op) {
            out.put((byte) op.ordinal());
            return this;
        }

        Script rxSlot(boolean ownId, int id, int offset, int flags, int status) {
            op(Op.RX_SLOT).out.put((byte) (ownId ? 0 : 1)).putShort((short) id).putShort((short) offset)
                    .putShort((short) flags).putShort((short) status);
            return this;
        }

        Script rxExtra(int type, int flags, int gsoSize, int gsoType) {
            op(Op.RX_EXTRA).out.put((byte) type).put((byte) flags).putShort((short) gsoSize).put((byte) gsoType);
            return this;
        }

        /** @param gso 0 none, 1 tcpv4, 2 tcpv6 */
        Script rxPacket(int length, int offset, int checksumFlags, int gso, int gsoSize) {
            op(Op.RX_PACKET).out.putShort((short) length).putShort((short) offset).put((byte) checksumFlags)
                    .put((byte) gso).putShort((short) gsoSize);
            return this;
        }

        Script rxPublish(int delta) {
            op(Op.RX_PUBLISH).out.put((byte) 0).putInt(delta);
            return this;
        }

        Script rxPublishAt(int producer) {
            op(Op.RX_PUBLISH).out.put((byte) 1).putInt(producer);
            return this;
        }

        Script txSlot(boolean requestsId, int id, int status) {
            op(Op.TX_SLOT).out.put((byte) (requestsId ? 0 : 1)).putShort((short) id).putShort((short) status);
            return this;
        }

        /** @param status 0 OKAY, 1 DROPPED, 2 ERROR */
        Script txAnswer(int status) {
            op(Op.TX_ANSWER).out.put((byte) status);
            return this;
        }

        Script txPublish(int delta) {
            op(Op.TX_PUBLISH).out.put((byte) 0).putInt(delta);
            return this;
        }

        Script txPublishAt(int producer) {
            op(Op.TX_PUBLISH).out.put((byte) 1).putInt(producer);
            return this;
        }

        Script notifyBoth() {
            op(Op.NOTIFY).out.put((byte) 0);
            return this;
        }

        /** @param gso 0 none, 1 tcpv4, 2 tcpv6; @param checksum 0 none, 1 blank, 2 validated */
        Script send(int length, int gso, int gsoSize, int checksum) {
            op(Op.SEND).out.putShort((short) length).put((byte) gso).putShort((short) gsoSize).put((byte) checksum);
            return this;
        }

        Script down() {
            op(Op.DOWN_UP).out.put((byte) 0);
            return this;
        }

        Script up() {
            op(Op.DOWN_UP).out.put((byte) 1);
            return this;
        }

        Script rxSkip(int slots) {
            op(Op.RX_SKIP).out.put((byte) (slots - 1));
            return this;
        }

        Script storm(int events) {
            op(Op.STORM).out.put((byte) (events - 1));
            return this;
        }

        byte[] bytes() {
            return Arrays.copyOf(out.array(), out.position());
        }
    }

    /** Reads an input: past its end every value is 0. */
    private static final class Input {
        private final ByteBuffer in;

        Input(byte[] bytes) {
            in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        boolean more() {
            return in.hasRemaining();
        }

        int u8() {
            return in.hasRemaining() ? in.get() & 0xff : 0;
        }

        int u16() {
            return u8() | u8() << 8;
        }

        int s16() {
            return (short) u16();
        }

        int s32() {
            return u16() | u16() << 16;
        }
    }

    /** The fill of RX buffer {@code index}: distinct per ring index and per byte, so a byte out of place shows. */
    private static byte pattern(int index, int offset) {
        return (byte) (0x5a ^ index * 37 ^ offset * 13 ^ offset >>> 7);
    }

    /** The vif of one input: the queue and Nic in the guest, and the fuzzed backend in dom0. */
    private static final class Vif {
        private final Input in;
        private final int txBuffers;
        private final int rxBuffers;
        private final NetfrontNic nic;
        private final NetfrontQueue queue;
        private final Thread worker;
        private final GrantMapping txMapping;
        private final GrantMapping rxMapping;
        private final ByteBuffer txRing;
        private final ByteBuffer rxRing;
        /** The RX ring as the receiver's checks read it, on the queue's thread. */
        private final ByteBuffer rxRingForChecks;
        private final int txPort;
        private final int rxPort;
        private final ByteBuffer fill = ByteBuffer.allocateDirect(PAGE);

        // The backend's side of the TX ring (the fuzzing thread only).
        private int txWritten;
        private int txProducer;
        private int txRequestsRead;
        private boolean txExtraNext;
        /** Requests read and not answered: {id, 1 for an extra-info slot}. */
        private final ArrayDeque<int[]> txUnanswered = new ArrayDeque<>();

        // The backend's side of the RX ring. The grants of the requests read, by slot, with the index they
        // were read at: published before the producer that covers them, so the receiver's checks see them.
        private int rxWritten;
        private volatile int rxProducer;
        /** Whether the input ever published a producer behind the one before: a lie the device may see late. */
        private boolean rxSteppedBack;
        private boolean txSteppedBack;
        /** The furthest producer published: the slots below it are not written again. */
        private volatile int rxProducerMax;
        private int rxRequestsRead;
        private final int[] rxGref = new int[Netif.RX_RING_SIZE];
        private final int[] rxGrefIndex = new int[Netif.RX_RING_SIZE];
        /** Whether the slot's request was read at all: any index, -1 too, is one the input can write at. */
        private final boolean[] rxGrefRead = new boolean[Netif.RX_RING_SIZE];

        // The Nic's user.
        private long sends;
        private boolean wentDown;
        private volatile long delivered;
        /** Where the next delivered frame may start (the queue's thread only). */
        private int checkedUpTo;
        private final AtomicReference<Throwable> receiverFailure = new AtomicReference<>();
        private boolean closed;

        Vif(byte[] input, String threadName) throws Exception {
            in = new Input(input);
            int config = in.u8();
            Negotiated negotiated = new Negotiated((config & Script.SG) != 0, (config & Script.GSO_TCPV4) != 0,
                    (config & Script.GSO_TCPV6) != 0, false, (config & Script.SPLIT) != 0, 1,
                    (config & Script.TRUSTED) != 0);
            txBuffers = (config & Script.MANY_TX_BUFFERS) != 0 ? 256 : 24;
            rxBuffers = (config & Script.MANY_RX_BUFFERS) != 0 ? 256 : 32;
            nic = new NetfrontNic("vif-fuzz", MacAddress.parse("00:16:3e:00:00:01"), 1500, 0, () -> { });
            queue = new NetfrontQueue(0, threadName, 0, grants, events, negotiated,
                    new NetfrontConfig(1, txBuffers, rxBuffers, 5_000), nic.counters(0), nic);
            worker = thread(threadName);
            QueueKeys keys = QueueKeys.of(queue);
            txMapping = guest.grants().map(dom0, keys.txRingRef(), false);
            rxMapping = guest.grants().map(dom0, keys.rxRingRef(), false);
            txRing = txMapping.page().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            rxRing = rxMapping.page().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            rxRingForChecks = rxMapping.page().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            // Frontend events (requests pushed) need no handler: the backend acts when the input says.
            txPort = dom0.events().bindInterdomain(GUEST, keys.txEventPort(), port -> { });
            rxPort = negotiated.split() ? dom0.events().bindInterdomain(GUEST, keys.rxEventPort(), port -> { })
                    : txPort;
            nic.setReceiver((q, frame, offload) -> {
                try {
                    checkDelivered(frame, offload);
                } catch (Throwable t) {
                    receiverFailure.compareAndSet(null, t);
                }
            });
            nic.connected(new NetfrontQueue[] {queue}, negotiated);
        }

        private static Thread thread(String name) {
            Thread[] threads = new Thread[Thread.activeCount() + 16];
            int count = Thread.currentThread().getThreadGroup().enumerate(threads);
            for (int i = 0; i < count; i++) {
                if (threads[i].getName().equals(name)) {
                    return threads[i];
                }
            }
            throw new AssertionError("the queue's thread " + name + " is not running");
        }

        void run() throws Exception {
            while (in.more()) {
                readRequests();
                switch (Op.ALL[in.u8() % Op.ALL.length]) {
                    case RX_SLOT -> rxSlot(in.u8(), in.u16(), in.u16(), in.u16(), in.s16());
                    case RX_EXTRA -> rxExtra(in.u8(), in.u8(), in.u16(), in.u8());
                    case RX_PACKET -> rxPacket(in.u16(), in.u16(), in.u8(), in.u8(), in.u16());
                    case RX_PUBLISH -> rxPublish(producer(rxWritten));
                    case TX_SLOT -> txSlot(in.u8(), in.u16(), in.s16());
                    case TX_ANSWER -> txAnswer(new int[] {Netif.NETIF_RSP_OKAY, Netif.NETIF_RSP_DROPPED,
                        Netif.NETIF_RSP_ERROR}[in.u8() % 3]);
                    case TX_PUBLISH -> txPublish(producer(txWritten));
                    case NOTIFY -> {
                        int which = in.u8() & 3;
                        notifyFrontend(which != 2, which != 1);
                        awaitQueue();
                    }
                    case SEND -> send(in.u16(), in.u8(), in.u16(), in.u8());
                    case DOWN_UP -> {
                        if ((in.u8() & 1) == 0) {
                            wentDown = true;
                            nic.down();
                        } else {
                            nic.up();
                        }
                    }
                    case RX_SKIP -> rxWritten += 1 + in.u8() % 4;
                    case STORM -> {
                        for (int n = 1 + in.u8() % 32; n > 0; n--) {
                            notifyFrontend(true, true);
                        }
                        awaitQueue();
                    }
                    default -> throw new AssertionError();
                }
            }
        }

        private int producer(int written) {
            return (in.u8() & 1) == 0 ? written + in.s32() % 1024 : in.s32();
        }

        // --- the backend ---

        /** Reads the requests the frontend pushed since the last look, as netback would before answering. */
        private void readRequests() {
            int rxPushed = (int) INDEX.getAcquire(rxRing, SharedRingDescriptor.REQ_PROD_OFFSET);
            // Only the last ring's worth can still be in the ring (a producer published ahead lets the frontend
            // recycle more than that between two looks).
            if (rxPushed - rxRequestsRead > Netif.RX_RING_SIZE) {
                rxRequestsRead = rxPushed - Netif.RX_RING_SIZE;
            }
            for (; rxRequestsRead - rxPushed < 0; rxRequestsRead++) {
                int at = slot(rxRequestsRead, Netif.RX_RING);
                int slot = rxRequestsRead & (Netif.RX_RING_SIZE - 1);
                assertEquals(slot, Short.toUnsignedInt(rxRing.getShort(at + RxRequest.ID_OFFSET)),
                        "the id of RX request " + rxRequestsRead);
                rxGref[slot] = rxRing.getInt(at + RxRequest.GREF_OFFSET);
                rxGrefIndex[slot] = rxRequestsRead;
                rxGrefRead[slot] = true;
            }
            int txPushed = (int) INDEX.getAcquire(txRing, SharedRingDescriptor.REQ_PROD_OFFSET);
            assertTrue(txPushed - txRequestsRead >= 0 && txPushed - txRequestsRead <= Netif.TX_RING_SIZE,
                    "the TX request producer moved from " + txRequestsRead + " to " + txPushed);
            for (; txRequestsRead != txPushed; txRequestsRead++) {
                int at = slot(txRequestsRead, Netif.TX_RING);
                if (txExtraNext) {
                    txExtraNext = (txRing.get(at + ExtraInfo.FLAGS_OFFSET) & Netif.XEN_NETIF_EXTRA_FLAG_MORE) != 0;
                    txUnanswered.add(new int[] {0, 1});
                } else {
                    int flags = Short.toUnsignedInt(txRing.getShort(at + TxRequest.FLAGS_OFFSET));
                    txExtraNext = (flags & Netif.NETTXF_EXTRA_INFO) != 0;
                    txUnanswered.add(new int[] {Short.toUnsignedInt(txRing.getShort(at + TxRequest.ID_OFFSET)), 0});
                }
            }
        }

        private static int slot(int index, RingEntryLayout ring) {
            return SharedRingDescriptor.SLOTS_OFFSET + (index & 255) * ring.slotSize();
        }

        /**
         * Whether slot {@code index} holds a request the backend has read and may answer: at or after the
         * producer published, within the last ring's worth of requests read (producers the input set anywhere
         * make the differences wrap).
         */
        private static boolean requested(int index, int requestsRead, int producer) {
            return index - producer >= 0 && requestsRead - index > 0 && requestsRead - index <= 256;
        }

        private boolean rxRequested(int index) {
            int slot = index & (Netif.RX_RING_SIZE - 1);
            return requested(index, rxRequestsRead, rxProducer) && rxGrefRead[slot] && rxGrefIndex[slot] == index;
        }

        private void fillBuffer(int index) throws Exception {
            int slot = index & (Netif.RX_RING_SIZE - 1);
            for (int offset = 0; offset < PAGE; offset++) {
                fill.put(offset, pattern(index, offset));
            }
            guest.grants().copyToGrant(dom0, fill.clear(), rxGref[slot], 0, PAGE);
        }

        private void rxSlot(int idMode, int id, int offset, int flags, int status) throws Exception {
            if (!rxRequested(rxWritten)) {
                return;
            }
            fillBuffer(rxWritten);
            RxResponse.write(rxRing, slot(rxWritten, Netif.RX_RING), (idMode & 1) == 0 ? rxWritten & 255 : id,
                    offset, flags, status);
            rxWritten++;
        }

        private void rxExtra(int type, int flags, int gsoSize, int gsoType) {
            if (!rxRequested(rxWritten)) {
                return;
            }
            int at = slot(rxWritten, Netif.RX_RING);
            rxRing.put(at + ExtraInfo.TYPE_OFFSET, (byte) type);
            rxRing.put(at + ExtraInfo.FLAGS_OFFSET, (byte) flags);
            rxRing.putShort(at + ExtraInfo.GSO_SIZE_OFFSET, (short) gsoSize);
            rxRing.put(at + ExtraInfo.GSO_TYPE_OFFSET, (byte) gsoType);
            rxRing.put(at + ExtraInfo.GSO_PAD_OFFSET, (byte) 0);
            rxRing.putShort(at + ExtraInfo.GSO_FEATURES_OFFSET, (short) 0);
            rxWritten++;
        }

        /** A packet as an honest netback writes it; left out when the frontend has not posted enough buffers. */
        private void rxPacket(int length, int offset, int checksum, int gso, int gsoSize) throws Exception {
            length = 14 + length % (Netif.XEN_NETIF_MAX_TX_SIZE - 13);
            offset %= PAGE;
            int slots = 1 + (length - Math.min(length, PAGE - offset) + PAGE - 1) / PAGE;
            int gsoType = gso % 3 == 1 ? Netif.XEN_NETIF_GSO_TYPE_TCPV4
                    : gso % 3 == 2 ? Netif.XEN_NETIF_GSO_TYPE_TCPV6 : Netif.XEN_NETIF_GSO_TYPE_NONE;
            int needed = slots + (gsoType != Netif.XEN_NETIF_GSO_TYPE_NONE ? 1 : 0);
            if (slots > RxPackets.MAX_SLOTS || !rxRequested(rxWritten) || !rxRequested(rxWritten + needed - 1)) {
                return;
            }
            int left = length;
            for (int s = 0; s < slots; s++) {
                int at = s == 0 ? offset : 0;
                int size = Math.min(left, PAGE - at);
                left -= size;
                int flags = left > 0 ? Netif.NETRXF_MORE_DATA : 0;
                if (s == 0) {
                    flags |= checksum & (Netif.NETRXF_CSUM_BLANK | Netif.NETRXF_DATA_VALIDATED);
                    if (gsoType != Netif.XEN_NETIF_GSO_TYPE_NONE) {
                        flags |= Netif.NETRXF_EXTRA_INFO;
                    }
                }
                rxSlot(0, 0, at, flags, size);
                if (s == 0 && gsoType != Netif.XEN_NETIF_GSO_TYPE_NONE) {
                    rxExtra(Netif.XEN_NETIF_EXTRA_TYPE_GSO, 0, 1 + gsoSize % 9000, gsoType);
                }
            }
        }

        /**
         * Publishes an RX response producer. Where the backend writes next, and the furthest producer, move
         * only to a producer at most a ring ahead: netfront takes nothing beyond that (it breaks), and two
         * jumps of half the index space would otherwise bring the writer back onto responses published and
         * not yet taken, so that the receiver's checks would read slots rewritten after netfront read them.
         */
        private void rxPublish(int producer) {
            if (aheadWithinRing(producer, rxProducerMax)) {
                rxProducerMax = producer;
            }
            rxSteppedBack |= producer - rxProducer < 0;
            rxProducer = producer;
            INDEX.setRelease(rxRing, SharedRingDescriptor.RSP_PROD_OFFSET, producer);
            if (aheadWithinRing(producer, rxWritten)) {
                rxWritten = producer;
            }
        }

        private static boolean aheadWithinRing(int producer, int from) {
            return producer - from > 0 && producer - from <= Netif.RX_RING_SIZE;
        }

        private void txSlot(int idMode, int id, int status) {
            if (!requested(txWritten, txRequestsRead, txProducer)) {
                return;
            }
            int[] request = (idMode & 1) == 0 ? txUnanswered.poll() : null;
            if (request != null) {
                id = request[0];
                status = request[1] == 1 ? Netif.NETIF_RSP_NULL : status;
            }
            TxResponse.write(txRing, slot(txWritten, Netif.TX_RING), id, status);
            txWritten++;
        }

        private void txAnswer(int status) {
            while (!txUnanswered.isEmpty() && requested(txWritten, txRequestsRead, txProducer)) {
                txSlot(0, 0, status);
            }
        }

        private void txPublish(int producer) {
            txSteppedBack |= producer - txProducer < 0;
            txProducer = producer;
            INDEX.setRelease(txRing, SharedRingDescriptor.RSP_PROD_OFFSET, producer);
            if (producer - txWritten > 0) {
                txWritten = producer;
            }
        }

        private void notifyFrontend(boolean tx, boolean rx) throws Exception {
            if (tx) {
                dom0.events().send(txPort);
            }
            if (rx && (rxPort != txPort || !tx)) {
                dom0.events().send(rxPort);
            }
        }

        /**
         * Waits until the queue has taken everything published and its thread
         * is parked, or the device is broken: bounded, so a queue that spins or
         * stalls is a finding. RX: its final check asked for the response
         * after the producer. TX: every response published is consumed, and
         * with requests in flight the event is asked for at the last one
         * pushed, so that its answer brings one. The thread must be
         * parked too: producers the input moves back and forth can meet the
         * event index again while the thread still works on what an earlier
         * producer showed it.
         */
        private void awaitQueue() {
            await("the queue to take what was published after an event", () -> broken()
                    || (txResponseConsumer() == txProducer
                            && (requestProducer(txRing) == txProducer || eventIndex(txRing) == requestProducer(txRing))
                            && (nic.state() != NicState.ACTIVE || eventIndex(rxRing) == rxProducer + 1)
                            && parked()));
        }

        /**
         * The queue's thread waits for work and owes no pass: a thread woken (by an event, or by up()) and not
         * yet run still shows WAITING, and the checks that follow would race the pass it is about to make.
         */
        private boolean parked() {
            return worker.getState() == Thread.State.WAITING && LockSupport.getBlocker(worker) == queue
                    && nic.driverStatistics().get("queue_0_pass_due") == 0;
        }

        /** How far the queue took TX answers, as the driver's statistics show it. */
        private int txResponseConsumer() {
            return nic.driverStatistics().get("queue_0_tx_response_consumer").intValue();
        }

        private static int requestProducer(ByteBuffer ring) {
            return (int) INDEX.getAcquire(ring, SharedRingDescriptor.REQ_PROD_OFFSET);
        }

        private static int eventIndex(ByteBuffer ring) {
            return (int) INDEX.getAcquire(ring, SharedRingDescriptor.RSP_EVENT_OFFSET);
        }

        private boolean broken() {
            return nic.info().brokenReason().isPresent();
        }

        private void await(String what, BooleanSupplier condition) {
            long deadline = System.nanoTime() + BOUND_NANOS;
            for (int spins = 0; !condition.getAsBoolean(); spins++) {
                if (System.nanoTime() - deadline > 0) {
                    fail("timed out after 10 s waiting for " + what + ": TX produced " + txProducer + ", consumed "
                            + txResponseConsumer() + ", event at " + eventIndex(txRing) + "; RX produced "
                            + rxProducer + ", event at " + eventIndex(rxRing) + "; " + nic + ", queue thread " + worker.getState());
                }
                if (spins < 100) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(50_000);
                }
            }
        }

        // --- the Nic's user ---

        private boolean send(int length, int gso, int gsoSize, int checksum) {
            NicCapabilities capabilities = nic.capabilities();
            int max = capabilities.maxFrameBytes();
            length = 14 + length % (max - 13);
            Offload offload = switch (checksum % 3) {
                case 1 -> Offload.CHECKSUM_BLANK;
                case 2 -> Offload.DATA_VALIDATED;
                default -> Offload.NONE;
            };
            if (gso % 3 == 1 && capabilities.tsoV4()) {
                offload = Offload.gso(Offload.GsoType.TCPV4, 1 + gsoSize % 9000);
            } else if (gso % 3 == 2 && capabilities.tsoV6()) {
                offload = Offload.gso(Offload.GsoType.TCPV6, 1 + gsoSize % 9000);
            }
            ByteBuffer frame = ByteBuffer.allocate(length);
            for (int i = 0; i < length; i++) {
                frame.put(i, (byte) (sends + i));
            }
            sends++;
            return nic.send(frame, offload);
        }

        /**
         * On the queue's thread, in the receiver: the frame must be the data of
         * a packet that the published responses after the last frame's spell,
         * its bytes read from the granted buffers themselves.
         */
        private void checkDelivered(ByteBuffer frame, Offload offload) throws Exception {
            delivered++;
            assertFalse(broken(), "a frame delivered after the device was marked broken");
            byte[] got = new byte[frame.remaining()];
            frame.get(frame.position(), got);
            int limit = rxProducerMax;
            for (int start = checkedUpTo; start != limit; start++) {
                int end = packetEnd(start, limit, got, offload);
                if (end >= 0) {
                    checkedUpTo = end;
                    return;
                }
            }
            fail("a frame of " + got.length + " bytes (" + offload + ") that no published responses from ring index "
                    + checkedUpTo + " to " + limit + " spell");
        }

        /** Where the packet starting at {@code start} ends, if it is a deliverable one and is {@code got}; else -1. */
        private int packetEnd(int start, int limit, byte[] got, Offload offload) throws Exception {
            ByteBuffer ring = rxRingForChecks;
            int index = start;
            int length = 0;
            int dataSlots = 0;
            int headFlags = 0;
            Offload expected = null;
            boolean more = true;
            while (more) {
                if (index == limit) {
                    return -1;
                }
                int at = slot(index, Netif.RX_RING);
                int id = Short.toUnsignedInt(ring.getShort(at + RxResponse.ID_OFFSET));
                int offset = Short.toUnsignedInt(ring.getShort(at + RxResponse.OFFSET_OFFSET));
                int flags = Short.toUnsignedInt(ring.getShort(at + RxResponse.FLAGS_OFFSET));
                int status = ring.getShort(at + RxResponse.STATUS_OFFSET);
                int slot = index & (Netif.RX_RING_SIZE - 1);
                if (id != slot || status < 0 || offset + status > PAGE || ++dataSlots > RxPackets.MAX_SLOTS
                        || length + status > got.length) {
                    return -1;
                }
                if (status > 0) {
                    if (!rxGrefRead[slot] || rxGrefIndex[slot] != index) {
                        return -1; // no buffer the backend saw posted: nothing it could have put there
                    }
                    ByteBuffer bytes = ByteBuffer.allocate(status);
                    guest.grants().copyFromGrant(dom0, rxGref[slot], offset, bytes, status);
                    if (!Arrays.equals(bytes.array(), 0, status, got, length, length + status)) {
                        return -1;
                    }
                }
                length += status;
                index++;
                if (dataSlots == 1) {
                    headFlags = flags;
                    if ((flags & Netif.NETRXF_EXTRA_INFO) != 0) {
                        if (index == limit) {
                            return -1;
                        }
                        int extraAt = slot(index, Netif.RX_RING);
                        int type = ring.get(extraAt + ExtraInfo.TYPE_OFFSET) & 0xff;
                        int extraFlags = ring.get(extraAt + ExtraInfo.FLAGS_OFFSET) & 0xff;
                        if (type == Netif.XEN_NETIF_EXTRA_TYPE_NONE || type >= Netif.XEN_NETIF_EXTRA_TYPE_MAX
                                || (extraFlags & Netif.XEN_NETIF_EXTRA_FLAG_MORE) != 0) {
                            return -1;
                        }
                        if (type == Netif.XEN_NETIF_EXTRA_TYPE_GSO) {
                            int gsoSize = Short.toUnsignedInt(ring.getShort(extraAt + ExtraInfo.GSO_SIZE_OFFSET));
                            int gsoType = ring.get(extraAt + ExtraInfo.GSO_TYPE_OFFSET) & 0xff;
                            if (gsoSize == 0 || (gsoType != Netif.XEN_NETIF_GSO_TYPE_TCPV4
                                    && gsoType != Netif.XEN_NETIF_GSO_TYPE_TCPV6)) {
                                return -1;
                            }
                            expected = Offload.gso(gsoType == Netif.XEN_NETIF_GSO_TYPE_TCPV4 ? Offload.GsoType.TCPV4
                                    : Offload.GsoType.TCPV6, gsoSize);
                        }
                        index++;
                    }
                }
                more = (flags & Netif.NETRXF_MORE_DATA) != 0;
            }
            if (length != got.length || length < 14) {
                return -1;
            }
            if (expected == null) {
                expected = (headFlags & Netif.NETRXF_CSUM_BLANK) != 0 ? Offload.CHECKSUM_BLANK
                        : (headFlags & Netif.NETRXF_DATA_VALIDATED) != 0 ? Offload.DATA_VALIDATED : Offload.NONE;
            }
            return expected.equals(offload) ? index : -1;
        }

        // --- the end of an input ---

        /**
         * Lets the queue take what is left, then checks the device works
         * (an honest packet each way) or is broken, and that its thread idles.
         */
        Outcome finish() throws Exception {
            if (nic.state() == NicState.STOPPED) {
                nic.up();
            }
            readRequests();
            notifyFrontend(true, true);
            awaitQueue();
            if (!broken()) {
                assertEquals(NicState.ACTIVE, nic.state());
                readRequests();
                assertEquals(Math.min(rxBuffers, Netif.RX_RING_SIZE), rxRequestsRead - rxProducer,
                        "RX buffers posted once everything published was taken");
                long before = delivered;
                rxWritten = rxProducer;
                rxPacket(60 - 14, 0, 0, 0, 0);
                rxPublish(rxWritten);
                long txBefore = nic.statistics().total().txPackets();
                // Frames the input left unanswered may hold every TX page: then the probe is refused, and counted.
                boolean sent = send(60 - 14, 0, 0, 0);
                readRequests();
                if (sent) {
                    int[] probe = txUnanswered.pollLast();
                    txWritten = txProducer;
                    TxResponse.write(txRing, slot(txWritten, Netif.TX_RING), probe[0], Netif.NETIF_RSP_OKAY);
                    txPublish(txWritten + 1);
                }
                notifyFrontend(true, true);
                awaitQueue();
                String reason = nic.info().brokenReason().orElse(null);
                if (reason == null) {
                    assertEquals(before + 1, delivered, "an honest packet received after the input");
                    if (sent) {
                        assertEquals(txBefore + 1, nic.statistics().total().txPackets(), "an honest answer to a send");
                    }
                } else {
                    // The one lie an honest packet may still reveal: a producer the input stepped back, which the
                    // event handler remembers, and whose event it may take only now, its port's re-arming delayed
                    // by the input's spurious events.
                    assertTrue(rxSteppedBack && reason.contains("RX response producer went backwards")
                            || txSteppedBack && reason.contains("TX response producer went backwards"),
                            () -> "an honest backend's packets broke the device: " + reason);
                }
            }
            await("the queue's thread to idle", () -> worker.getState() == Thread.State.TERMINATED || parked());
            assertTrue(worker.isAlive(), "the queue's thread died");
            Optional<String> reason = nic.info().brokenReason();
            if (reason.isPresent()) {
                assertEquals(NicState.DOWN, nic.state(), "a broken device is down");
                assertFalse(reason.get().contains("thread failed"), reason.get());
                sends++;
                assertFalse(nic.send(ByteBuffer.allocate(60), Offload.NONE), "a broken device refuses a frame");
            }
            Throwable failure = receiverFailure.get();
            if (failure != null) {
                throw new AssertionError("the receiver's check failed", failure);
            }
            NicStatistics.QueueCounters counters = nic.statistics().total();
            if (!wentDown) {
                assertEquals(delivered, counters.rxPackets(), "frames counted as received and delivered");
            }
            return new Outcome(reason, delivered, counters);
        }

        /** Closes as the device does (the backend lets go first), then nothing may be left. */
        void close() throws Exception {
            closed = true;
            nic.disconnected();
            txMapping.unmap();
            rxMapping.unmap();
            dom0.events().close(txPort);
            if (rxPort != txPort) {
                dom0.events().close(rxPort);
            }
            assertEquals(Revocation.ENDED, queue.release(), "every grant of the queue revoked at once");
            assertFalse(worker.isAlive(), "the queue's thread ended");
            NicStatistics.QueueCounters counters = nic.statistics().total();
            assertEquals(sends, counters.txPackets() + counters.txErrors() + counters.txDropped(),
                    "every frame sent counted once: " + counters);
            for (Domain domain : new Domain[] {dom0, guest}) {
                assertEquals(0, domain.grants().activeGrants(), domain.name() + ": grants active");
                assertEquals(0, domain.grants().deferredGrants(), domain.name() + ": grants deferred");
                assertEquals(0, domain.events().openPorts(), domain.name() + ": event channels open");
                assertEquals(0, domain.grantMappingsHeld(), domain.name() + ": grant mappings held");
            }
            assertEquals(0, grants.grantsOutstanding(), "grants outstanding");
            assertEquals(0, events.portsOpen(), "ports open");
        }

        /** After a failure: release what can be, so that the next input starts clean. */
        void closeQuietly() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                nic.disconnected();
                txMapping.unmap();
                rxMapping.unmap();
                dom0.events().close(txPort);
                if (rxPort != txPort) {
                    dom0.events().close(rxPort);
                }
            } catch (Exception | AssertionError e) {
                // already gone
            }
            queue.release();
        }
    }
}
