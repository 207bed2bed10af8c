package org.xenpv.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.xenpv.net.FrameReceiver;
import org.xenpv.net.MacAddress;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.NicStatistics;
import org.xenpv.net.Offload;
import org.xenpv.net.SendStatus;
import org.xenpv.sim.BackendTotals;
import org.xenpv.sim.DomainAccounting;
import org.xenpv.sim.SimulatedVif;
import org.xenpv.sim.SimulatedXen;

/**
 * The soak of issue 14: frames flow between the guest's vifs while a third vif
 * is hot-plugged and unplugged, a backend restarts and the netfront bundle is
 * updated, round after round, for {@value #SECONDS_PROPERTY} seconds (600 when
 * unset; CI runs 120). At the end every frame is accounted for, no grant or
 * event-channel port is left beyond the two vifs' own, and heap and threads are
 * back where they started.
 *
 * <p>"Start" is the end of the first round, not the container's boot: that
 * round loads the classes, starts the threads and fills the caches that live as
 * long as the container (Karaf's shell, SCR, the log buffer, the JIT), so that
 * what is measured is growth per round, which is what a leak is.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SoakIT extends XenpvTestSupport {
    static final String SECONDS_PROPERTY = "xenpv.soak.seconds";
    /** Heap after GC may end at most this far above its start (see docs/testing.md for why this figure). */
    static final long HEAP_BOUND_BYTES = 24L << 20;
    /** Direct memory (the simulated guest's pages) may end at most this far above its start: one queue's pages. */
    static final long DIRECT_BOUND_BYTES = 514L * 4096;
    /**
     * Threads that may be there at the end and not at the start, by name: pools of the JDK that start and end
     * threads on demand of their own, whatever xenpv does (the common pool, which CompletableFuture uses; the
     * JIT's compiler threads; the RMI connection handlers that carry Pax Exam's calls to this probe, idle or
     * not).
     */
    static final Pattern TRANSIENT_THREADS = Pattern.compile(
            "ForkJoinPool\\.commonPool-worker-\\d+|CompletableFutureDelayScheduler|C[12] CompilerThread\\d+"
                    + "|RMI TCP Connection\\(.*|JMX server connection timeout \\d+|process reaper");
    private static final short ETHERTYPE = (short) 0x88b5; // IEEE local experimental
    private static final int FRAME_BYTES = 128;
    private static final int BURST = 16;
    private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int GUEST_QUEUES_PAGES = 2 + 256 + 256;

    @Configuration
    public Option[] config() {
        List<Option> options = new ArrayList<>(Arrays.asList(xenpvDistribution()));
        options.add(systemProperty(SECONDS_PROPERTY).value(System.getProperty(SECONDS_PROPERTY, "600")));
        return options.toArray(Option[]::new);
    }

    /** One direction of traffic between two vifs (by name, across their Nics' replacements). */
    private final class Flow {
        final int id;
        final String from;
        final String to;
        final LongAdder attempts = new LongAdder();
        final LongAdder delivered = new LongAdder();
        volatile boolean running = true;
        final Thread thread;

        Flow(int id, String from, String to) {
            this.id = id;
            this.from = from;
            this.to = to;
            ByteBuffer frame = ByteBuffer.allocate(FRAME_BYTES);
            macs.get(to).write(frame, 0);
            macs.get(from).write(frame, 6);
            frame.putShort(12, ETHERTYPE).putInt(14, id);
            thread = new Thread(() -> send(frame), "soak-" + from + "-to-" + to);
        }

        private void send(ByteBuffer frame) {
            while (running) {
                Nic nic = current.get(from);
                LongAdder byNic = sentBy.computeIfAbsent(nic, n -> new LongAdder());
                for (int i = 0; i < BURST; i++) {
                    SendStatus status;
                    try {
                        status = nic.offer(frame.duplicate(), Offload.NONE, false);
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                        running = false;
                        return;
                    }
                    if (status == SendStatus.FULL) {
                        break; // back-pressure: the frame was not taken, so it is not one to account for
                    }
                    attempts.increment();
                    byNic.increment();
                    if (status == SendStatus.DROPPED) {
                        break; // the Nic is not connected now: one dropped frame a pause is enough to count
                    }
                }
                // Paced, so that the soak leaves the container's other threads (and the machine) a share.
                LockSupport.parkNanos(PACE_NANOS);
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(WAIT_MILLIS);
            assertTrue(thread.getName() + " stopped", !thread.isAlive());
        }

        @Override
        public String toString() {
            return from + "->" + to + ": " + attempts.sum() + " sent, " + delivered.sum() + " delivered";
        }
    }

    private SimulatedXen sim;
    private int guest;
    private final Map<String, MacAddress> macs = new ConcurrentHashMap<>();
    /** The Nic each vif has now; the senders read it for every burst. */
    private final Map<String, Nic> current = new ConcurrentHashMap<>();
    /** Every Nic that ever was, with the frames given to its send. */
    private final Map<Nic, LongAdder> sentBy = new ConcurrentHashMap<>();
    /** Every flow, indexed by the id its frames carry; read by the receivers on the queues' threads. */
    private final List<Flow> flows = new CopyOnWriteArrayList<>();
    private final Map<String, FrameReceiver> receivers = new ConcurrentHashMap<>();
    /** What the guest and dom0 held before the first frame: the two vifs' own grants and ports. */
    private Map<String, Object> heldAtStart;
    /** The first exception a Nic threw at its user (none may). */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    @Test
    public void vifsComeAndGoBackendsRestartAndNetfrontIsUpdatedUnderTrafficAndNothingLeaks() throws Exception {
        long seconds = Long.getLong(SECONDS_PROPERTY, 600);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        sim = bundleContext.getService(bundleContext.getServiceReference(SimulatedXen.class));
        guest = sim.guestDomid();
        waitFor("the bundle commands", () -> {
            try {
                return executeCommand("bundle:list -t 0 --no-format").contains("xen-netfront");
            } catch (Exception e) {
                return false;
            }
        });
        for (String name : List.of("vif-0", "vif-1")) {
            attach(name, null);
            receivers.put(name, receiverFor(name));
            current.get(name).setReceiver(receivers.get(name));
        }
        // Taken before any frame is in flight: a backend maps a frame's grant while it copies it.
        heldAtStart = held();
        Flow zeroToOne = start(new Flow(flows.size(), "vif-0", "vif-1"));
        Flow oneToZero = start(new Flow(flows.size(), "vif-1", "vif-0"));
        awaitTraffic("traffic at the start", zeroToOne, oneToZero);

        int rounds = 0;
        round(rounds++, zeroToOne, oneToZero);
        Snapshot start = snapshot();
        System.out.println("soak: start " + start);
        while (System.nanoTime() < deadline) {
            round(rounds++, zeroToOne, oneToZero);
        }
        zeroToOne.stop();
        oneToZero.stop();
        assertNull("no exception reached a Nic's user", failure.get());

        assertEveryFrameAccountedFor();
        for (String name : List.of("vif-0", "vif-1")) {
            current.get(name).clearReceiver(receivers.get(name));
        }
        assertNothingHeldBeyondTheTwoVifs(heldAtStart);
        // Only now: the Nics of every round are the test's to forget before the heap is measured.
        long sent = flows.stream().mapToLong(f -> f.attempts.sum()).sum();
        long delivered = flows.stream().mapToLong(f -> f.delivered.sum()).sum();
        String totals = sent + " frames taken, " + delivered + " delivered, " + lostSomewhere() + " counted lost; "
                + describeAccounting();
        int nics = sentBy.size();
        sentBy.clear();
        flows.clear();
        current.clear();
        assertHeapAndThreadsBackToStart(start);
        System.out.println("soak: " + rounds + " rounds in " + seconds + " s; " + nics + " Nics; " + totals
                + "; end " + snapshot());
    }

    /**
     * One round: hot-plug a vif and send from it, restart a backend, update netfront, unplug (in turns); and
     * each of the update, the hot-plug and the unplug while a restarted backend's vif is reconnecting (the
     * restart returns once the new backend offers InitWait: the frontend's handshake is still to come).
     */
    private void round(int round, Flow zeroToOne, Flow oneToZero) throws Exception {
        if (round % 2 == 0) {
            sim.restartBackend(guest, round % 4 == 0 ? 0 : 1);
            updateNetfront(round);
            awaitTraffic("round " + round + ": traffic after netfront's update during a restart", zeroToOne,
                    oneToZero);
        }
        sim.restartBackend(guest, round % 2);
        int handle = sim.addVif(guest);
        String name = "vif-" + handle;
        attach(name, null);
        Flow hot = start(new Flow(flows.size(), name, "vif-1"));
        awaitTraffic("round " + round + ": traffic from " + name + ", hot-plugged during a restart", hot, zeroToOne,
                oneToZero);
        if (round % 2 == 1) {
            updateNetfront(round);
            awaitTraffic("round " + round + ": traffic after netfront's update", hot, zeroToOne, oneToZero);
        }

        int restarted = round % 4 < 2 ? 1 : 0;
        sim.restartBackend(guest, restarted);
        waitFor("round " + round + ": vif " + restarted + "'s new backend connected",
                () -> vif(restarted).queues() > 0);
        awaitTraffic("round " + round + ": traffic after vif-" + restarted + "'s backend restarted", hot, zeroToOne,
                oneToZero);

        sim.restartBackend(guest, handle);
        unplug(name, handle, hot);
        awaitTraffic("round " + round + ": traffic at the end", zeroToOne, oneToZero);
        // After the restart and the unplug, before the next update: the grant table and event channels release
        // what a bundle leaves behind when it goes, which would hide a leak of netfront's until the end.
        waitFor("round " + round + ": the guest's grants and ports back to the two vifs' own", WAIT_MILLIS,
                () -> guestHeld().equals(guestHeld(heldAtStart)),
                () -> "held now " + guestHeld() + ", at the start " + guestHeld(heldAtStart));
    }

    /** What the guest holds, without dom0's mappings, which come and go with each frame a backend copies. */
    private Map<String, Object> guestHeld() {
        return guestHeld(held());
    }

    private static Map<String, Object> guestHeld(Map<String, Object> held) {
        Map<String, Object> guestOnly = new TreeMap<>(held);
        guestOnly.remove("dom0 mappings");
        return guestOnly;
    }

    private void unplug(String name, int handle, Flow hot) throws Exception {
        sim.removeVif(guest, handle);
        hot.stop();
        current.remove(name);
        waitFor(name + "'s Nic withdrawn", () -> nicServices(name) == 0);
    }

    private void updateNetfront(int round) throws Exception {
        Map<String, Nic> before = Map.copyOf(current);
        executeCommand("bundle:update " + bundle("org.xenpv.netfront").getBundleId());
        for (Map.Entry<String, Nic> vif : before.entrySet()) {
            Nic replacement = attach(vif.getKey(), vif.getValue());
            assertNotSame("round " + round + ": a new Nic for " + vif.getKey(), vif.getValue(), replacement);
            FrameReceiver receiver = receivers.get(vif.getKey());
            if (receiver != null) {
                replacement.setReceiver(receiver);
            }
        }
    }

    /** The vif's Nic once it is ACTIVE and not {@code old}; the senders use it from now. */
    private Nic attach(String name, Nic old) throws InterruptedException {
        AtomicReference<Nic> found = new AtomicReference<>();
        waitFor(name + " ACTIVE" + (old == null ? "" : " with a new Nic"), () -> {
            try {
                for (ServiceReference<Nic> ref : bundleContext.getServiceReferences(Nic.class,
                        "(nic.device=" + name + ")")) {
                    Nic nic = bundleContext.getService(ref);
                    if (nic != null && nic != old && nic.state() == NicState.ACTIVE) {
                        found.set(nic);
                        return true;
                    }
                }
                return false;
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        });
        Nic nic = found.get();
        macs.putIfAbsent(name, nic.macAddress());
        sentBy.computeIfAbsent(nic, n -> new LongAdder());
        current.put(name, nic);
        return nic;
    }

    private int nicServices(String name) {
        try {
            Object[] refs = bundleContext.getAllServiceReferences(Nic.class.getName(), "(nic.device=" + name + ")");
            return refs == null ? 0 : refs.length;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Flow start(Flow flow) {
        flows.add(flow);
        flow.thread.start();
        return flow;
    }

    /** Counts a soak frame once, at the vif it was addressed to; flooded copies elsewhere are not deliveries. */
    private FrameReceiver receiverFor(String name) {
        MacAddress own = macs.get(name);
        return (queue, frame, offload) -> {
            int at = frame.position();
            if (frame.remaining() >= 18 && frame.getShort(at + 12) == ETHERTYPE
                    && MacAddress.read(frame, at).equals(own)) {
                int id = frame.getInt(at + 14);
                flows.get(id).delivered.increment();
            }
        };
    }

    private void awaitTraffic(String what, Flow... busy) throws InterruptedException {
        long[] base = Arrays.stream(busy).mapToLong(f -> f.delivered.sum()).toArray();
        waitFor(what, WAIT_MILLIS, () -> {
            for (int i = 0; i < busy.length; i++) {
                if (busy[i].delivered.sum() < base[i] + 100) {
                    return false;
                }
            }
            return true;
        }, () -> Arrays.toString(busy) + "; " + describeAccounting());
    }

    private SimulatedVif vif(int handle) {
        return sim.vifs().stream().filter(v -> v.guestDomid() == guest && v.handle() == handle).findFirst()
                .orElseThrow(() -> new AssertionError("no vif " + guest + "." + handle));
    }

    private static long txTotal(Nic nic) {
        NicStatistics.QueueCounters c = nic.statistics().total();
        return c.txPackets() + c.txDropped() + c.txErrors();
    }

    /**
     * Every frame a Nic took is counted by that Nic (sent, dropped or errored), once what was in flight has
     * been answered or counted lost; no stage loses a frame without counting it; no flow delivers more than it
     * sent; and every frame sent is delivered or counted as lost somewhere on its way: by the sending Nic, a
     * backend, the switch, or the receiving Nic. A frame counted lost in flight by its sender can still have
     * been delivered (the backend took it before the ring went), and a frame flooded while a restarted vif's
     * address was unlearned is counted at every vif it reached, so the stages' checks are bounds, not
     * equations.
     */
    private void assertEveryFrameAccountedFor() throws InterruptedException {
        waitFor("every Nic counting every frame given to it", WAIT_MILLIS, () -> unbalancedNics().isEmpty(),
                () -> "these do not: " + unbalancedNics());
        waitFor("every frame a Nic reports sent taken by a backend, every frame a backend took forwarded or"
                + " counted, every frame copied into the guest received or counted by its Nic", WAIT_MILLIS, () -> {
                    long[] nics = nicTotals();
                    BackendTotals backends = sim.backendTotals();
                    return nics[0] <= backends.framesFromGuest()
                            && backends.framesFromGuest() <= backends.framesToGuest() + backends.framesDropped()
                                    + backends.framesUnforwarded()
                            && backends.framesToGuest() <= nics[3] + nics[4] + nics[5];
                }, this::describeAccounting);
        for (Flow flow : flows) {
            assertTrue("no frame invented or duplicated: " + flow, flow.delivered.sum() <= flow.attempts.sum());
        }
        LongSupplier sent = () -> flows.stream().mapToLong(f -> f.attempts.sum()).sum();
        LongSupplier accounted = () -> flows.stream().mapToLong(f -> f.delivered.sum()).sum() + lostSomewhere();
        waitFor("every frame sent delivered or counted lost", WAIT_MILLIS,
                () -> sent.getAsLong() <= accounted.getAsLong(),
                () -> sent.getAsLong() + " sent, " + accounted.getAsLong() + " accounted for; " + describeAccounting());
    }

    private Map<String, String> unbalancedNics() {
        Map<String, String> unbalanced = new TreeMap<>();
        sentBy.forEach((nic, attempts) -> {
            if (txTotal(nic) != attempts.sum()) {
                unbalanced.put(nic.name() + "@" + Integer.toHexString(System.identityHashCode(nic)),
                        attempts.sum() + " given, " + nic.statistics().total() + " counted");
            }
        });
        return unbalanced;
    }

    private long lostSomewhere() {
        long lost = 0;
        for (Nic nic : sentBy.keySet()) {
            NicStatistics.QueueCounters c = nic.statistics().total();
            lost += c.txDropped() + c.txErrors() + c.rxDropped() + c.rxErrors();
        }
        BackendTotals backends = sim.backendTotals();
        return lost + backends.txErrors() + backends.framesDropped() + backends.framesUnforwarded();
    }

    /** Every Nic's counters summed: TX packets, dropped, errors, RX packets, dropped, errors. */
    private long[] nicTotals() {
        long[] totals = new long[6];
        for (Nic nic : sentBy.keySet()) {
            NicStatistics.QueueCounters c = nic.statistics().total();
            long[] each = {c.txPackets(), c.txDropped(), c.txErrors(), c.rxPackets(), c.rxDropped(), c.rxErrors()};
            Arrays.setAll(totals, i -> totals[i] + each[i]);
        }
        return totals;
    }

    private String describeAccounting() {
        long[] nicCounts = nicTotals();
        return flows.size() + " flows: " + flows.stream().mapToLong(f -> f.attempts.sum()).sum() + " frames taken, "
                + flows.stream().mapToLong(f -> f.delivered.sum()).sum() + " delivered; Nics tx packets/dropped/errors " + nicCounts[0] + "/" + nicCounts[1] + "/"
                + nicCounts[2] + ", rx packets/dropped/errors " + nicCounts[3] + "/" + nicCounts[4] + "/"
                + nicCounts[5] + "; backends " + sim.backendTotals();
    }

    /**
     * The guest holds the grants and ports of exactly the two vifs it started with, as the simulated
     * hypervisor, the grant table's and event channels' MBeans (what xen:info shows) and dom0 all count them;
     * nothing waits for its end.
     */
    private void assertNothingHeldBeyondTheTwoVifs(Map<String, Object> start) throws Exception {
        int queues = current.get("vif-0").queueCount() + current.get("vif-1").queueCount();
        Map<String, Object> expected = new TreeMap<>(start);
        expected.put("guest grants", queues * GUEST_QUEUES_PAGES);
        expected.put("guest grants deferred", 0);
        expected.put("guest ports", queues * 2);
        assertEquals("at the start, the two vifs' own (" + queues + " queues)", expected, start);
        AtomicReference<Map<String, Object>> now = new AtomicReference<>();
        waitFor("the grants and ports back to the two vifs' own", WAIT_MILLIS, () -> {
            now.set(held());
            return now.get().equals(start);
        }, () -> "held now " + now.get() + ", at the start " + start);
    }

    private void assertHeapAndThreadsBackToStart(Snapshot start) throws InterruptedException {
        waitFor("the threads of the start and no others (beyond " + TRANSIENT_THREADS + ")", WAIT_MILLIS,
                () -> newThreads(start).isEmpty(), () -> "threads not there at the start: " + newThreads(start));
        long heap = heapAfterGc();
        assertTrue("heap after GC " + mib(heap) + " MiB, at the start " + mib(start.heap()) + " MiB: more than "
                + mib(HEAP_BOUND_BYTES) + " MiB above it", heap <= start.heap() + HEAP_BOUND_BYTES);
        // A direct buffer's memory goes when the cleaner thread gets to it, some time after the collection.
        waitFor("direct memory back within " + mib(DIRECT_BOUND_BYTES) + " MiB of the start", WAIT_MILLIS, () -> {
            heapAfterGc();
            return directMemory() <= start.direct() + DIRECT_BOUND_BYTES;
        }, () -> "direct memory " + mib(directMemory()) + " MiB in " + directBuffers() + " buffers, at the start "
                + mib(start.direct()) + " MiB");
    }

    private static long directBuffers() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getCount).sum();
    }

    /** Threads alive now that were not at the start, by name (a name counted as often as it occurs). */
    private static Map<String, Long> newThreads(Snapshot start) {
        Map<String, Long> now = threadNames();
        Map<String, Long> added = new TreeMap<>();
        now.forEach((name, count) -> {
            long extra = count - start.threads().getOrDefault(name, 0L);
            if (extra > 0 && !TRANSIENT_THREADS.matcher(name).matches() && !name.startsWith("soak-")) {
                added.put(name, extra);
            }
        });
        return added;
    }

    private static Map<String, Long> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .collect(Collectors.groupingBy(Thread::getName, TreeMap::new, Collectors.counting()));
    }

    /** Used heap after full collections: the least of three, as cleaners run by one free memory in the next. */
    private static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            memory.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    private static long directMemory() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    /** What the container holds at one moment. */
    private record Snapshot(long heap, long direct, Map<String, Long> threads) {
        @Override
        public String toString() {
            return "heap " + mib(heap) + " MiB, direct " + mib(direct) + " MiB (" + directBuffers() + " buffers), "
                    + threads.values().stream()
                    .mapToLong(Long::longValue).sum() + " threads";
        }
    }

    private static Snapshot snapshot() {
        return new Snapshot(heapAfterGc(), directMemory(), threadNames());
    }

    /**
     * What the guest and dom0 hold, as the simulated hypervisor counts it, and what the guest's grant table
     * and event channels count themselves (their MBeans, which xen:info shows too).
     */
    private Map<String, Object> held() {
        DomainAccounting guestNow = sim.accounting(guest).orElseThrow();
        DomainAccounting dom0 = sim.accounting(0).orElseThrow();
        Map<String, Object> held = new TreeMap<>();
        held.put("guest grants", guestNow.grantsActive());
        held.put("guest grants deferred", guestNow.grantsDeferred());
        held.put("guest ports", guestNow.eventChannelsOpen());
        held.put("dom0 mappings", dom0.grantMappingsHeld());
        held.put("dom0 ports", dom0.eventChannelsOpen());
        try {
            MBeanServer mbeans = bundleContext.getService(bundleContext.getServiceReference(MBeanServer.class));
            held.put("GrantTable.GrantsOutstanding",
                    mbeans.getAttribute(new ObjectName("org.xenpv:type=GrantTable"), "GrantsOutstanding"));
            held.put("EventChannels.PortsOpen",
                    mbeans.getAttribute(new ObjectName("org.xenpv:type=EventChannels"), "PortsOpen"));
            held.put("XenStore.Watches", mbeans.getAttribute(new ObjectName("org.xenpv:type=XenStore"), "Watches"));
        } catch (Exception e) {
            throw new AssertionError("reading the xenpv MBeans", e);
        }
        return held;
    }
}
