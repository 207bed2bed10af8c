package org.xenpv.abi.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.xenpv.abi.NativeProgram;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.netif.TxResponse;

/**
 * The Java ring and Xen's ring.h macros (compiled from libxen-dev's headers)
 * run the same long random script of operations on their own copy of a page;
 * every index, every notify and work decision and the page bytes must agree
 * after every operation. Some scripts start near 2^32 to cross the wrap.
 */
class RingDifferentialTest {

    private static final int OPERATIONS_PER_SCRIPT = 4000;

    @Test
    void javaRingAgreesWithRingHOnRandomScripts() throws Exception {
        NativeProgram driver = NativeProgram.compile("ring_driver", "/usr/include/xen/io/ring.h", "libxen-dev");
        long[] starts = {0, 0xFFFF_FF00L, 0xFFFF_FFFFL, 0x7FFF_FFF0L};
        for (int i = 0; i < starts.length; i++) {
            List<String> script = randomScript(new Random(1000 + i), starts[i]);
            String expected = driver.run(String.join("\n", script) + "\n");
            List<String> actual = new JavaRingDriver().run(script);
            String[] expectedLines = expected.split("\n");
            assertEquals(script.size(), expectedLines.length, "C transcript length");
            for (int line = 0; line < script.size(); line++) {
                if (!expectedLines[line].equals(actual.get(line))) {
                    fail("script " + i + " diverges at operation " + line + " (" + script.get(line) + ")\n  C:    "
                            + expectedLines[line] + "\n  Java: " + actual.get(line));
                }
            }
        }
    }

    private static List<String> randomScript(Random random, long start) {
        List<String> script = new ArrayList<>();
        script.add("start " + start);
        String[] ops = {"produce", "consume", "responses", "finalfront", "finalback"};
        for (int i = 0; i < OPERATIONS_PER_SCRIPT; i++) {
            String op = ops[random.nextInt(ops.length)];
            if (op.startsWith("final")) {
                script.add(op);
            } else {
                // mostly small batches, sometimes more than a ring's worth
                int n = random.nextInt(10) == 0 ? random.nextInt(300) : random.nextInt(8);
                script.add(op + " " + n);
            }
        }
        return script;
    }

    /** The Java twin of ring_driver.c. */
    private static final class JavaRingDriver {
        private final ByteBuffer page = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
        private FrontRing front;
        private BackRing back;
        private int sequence;

        List<String> run(List<String> script) {
            List<String> transcript = new ArrayList<>();
            for (String line : script) {
                String[] parts = line.split(" ");
                long argument = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
                long result = switch (parts[0]) {
                    case "start" -> start((int) argument);
                    case "produce" -> produce(argument);
                    case "consume" -> consume(argument);
                    case "responses" -> responses(argument);
                    case "finalfront" -> front.finalCheckForResponses() ? 1 : 0;
                    case "finalback" -> back.finalCheckForRequests() ? 1 : 0;
                    default -> throw new IllegalArgumentException(line);
                };
                transcript.add(String.format("%s %d | %s %s %s %s | %s %s %s %s | free %d | %08x", parts[0], result,
                        u(page.getInt(0)), u(page.getInt(4)), u(page.getInt(8)), u(page.getInt(12)),
                        u(front.requestProducerPrivate()), u(front.responseConsumer()),
                        u(back.responseProducerPrivate()), u(back.requestConsumer()), front.freeRequests(),
                        pageHash()));
            }
            return transcript;
        }

        private long start(int index) {
            for (int i = 0; i < 4096; i++) {
                page.put(i, (byte) 0);
            }
            front = FrontRing.initialise(page, Netif.TX_RING);
            page.putInt(SharedRingDescriptor.REQ_PROD_OFFSET, index);
            page.putInt(SharedRingDescriptor.RSP_PROD_OFFSET, index);
            page.putInt(SharedRingDescriptor.REQ_EVENT_OFFSET, index + 1);
            page.putInt(SharedRingDescriptor.RSP_EVENT_OFFSET, index + 1);
            front = FrontRing.attach(page, Netif.TX_RING, index);
            back = BackRing.attach(page, Netif.TX_RING, index);
            return front.capacity();
        }

        private long produce(long n) {
            for (long i = 0; i < n && !front.isFull(); i++) {
                int seq = sequence++;
                TxRequest.write(front.page(), front.claimRequestSlot(), seq, 0, 0, seq & 0xffff, 60);
            }
            return front.pushRequestsAndCheckNotify() ? 1 : 0;
        }

        private long consume(long n) {
            long taken = 0;
            while (taken < n && back.unconsumedRequests() != 0) {
                TxRequest request = TxRequest.read(back.page(), back.consumeRequestSlot());
                TxResponse.write(back.page(), back.claimResponseSlot(), request.gref() & 0xffff, Netif.NETIF_RSP_OKAY);
                taken++;
            }
            return taken * 2 + (back.pushResponsesAndCheckNotify() ? 1 : 0);
        }

        private long responses(long n) {
            long taken = 0;
            int producer = front.acquireResponseProducer();
            if (!front.isPlausibleResponseProducer(producer)) {
                throw new AssertionError("honest back end produced an implausible index " + u(producer));
            }
            int consumer = front.responseConsumer();
            while (taken < n && consumer != producer) {
                TxResponse response = TxResponse.read(front.page(), front.slotOffset(consumer));
                assertEquals(Netif.NETIF_RSP_OKAY, response.status());
                consumer++;
                taken++;
            }
            front.setResponseConsumer(consumer);
            return taken;
        }

        private int pageHash() {
            int h = 0x811c9dc5;
            for (int i = 0; i < 4096; i++) {
                h = (h ^ (page.get(i) & 0xff)) * 16777619;
            }
            return h;
        }

        private static String u(int value) {
            return Integer.toUnsignedString(value);
        }
    }
}
