package org.xenpv.xenbus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.abi.xs.XsError;
import org.xenpv.sim.xenstore.GuestXenbusChannel;
import org.xenpv.sim.xenstore.XenStoreServer;
import org.xenpv.xenstore.XenStoreException;
import org.xenpv.xenstore.standalone.StandaloneXenStore;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * What a backend writes into its XenStore directory, as the frontend's bus
 * device reads it: any bytes. Plain {@code mvn test} replays the seeds in
 * BackendValuesFuzzTestInputs/; with JAZZER_FUZZ=1 Jazzer fuzzes. A state
 * reads as a known state or Unknown, a number as an unsigned decimal number
 * or EINVAL, a feature as on only for "1"; nothing else escapes.
 */
class BackendValuesFuzzTest {
    private static final String BACKEND = "/local/domain/0/backend/vif/1/0";

    private static XenStoreServer server;
    private static StandaloneXenStore store;
    private static BusDevice device;

    @BeforeAll
    static void connect() {
        server = new XenStoreServer();
        server.write("/local/domain/1", "", "n1");
        server.write(BACKEND, "", "n0", "r1");
        store = StandaloneXenStore.open(new GuestXenbusChannel(server, 1), "guest 1", 10_000);
        device = new BusDevice(store, "/local/domain/1", "vif", "0", BACKEND, 0);
    }

    @AfterAll
    static void disconnect() {
        store.close();
    }

    private static boolean asciiDigits(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    @FuzzTest(maxDuration = "60s")
    void backendWrittenValues(byte[] bytes) throws XenStoreException {
        String value = new String(bytes, StandardCharsets.UTF_8);
        if (value.getBytes(StandardCharsets.UTF_8).length > 2000) {
            return; // longer than a backend's node may be; not a parsing case
        }
        for (String key : new String[] {"state", "multi-queue-max-queues", "feature-sg"}) {
            server.write(BACKEND + "/" + key, value);
        }
        String text = value.trim();

        XenbusState state = device.backendState();
        assertNotNull(state);
        String digits = text.startsWith("+") ? text.substring(1) : text;
        if (state != XenbusState.UNKNOWN) {
            assertTrue(asciiDigits(digits), "a state only from decimal digits: '" + value + "'");
            assertEquals(Long.parseLong(digits), state.code());
        }

        try {
            Optional<Integer> number = device.readBackendInt("multi-queue-max-queues");
            assertTrue(number.isPresent());
            assertTrue(asciiDigits(text), "a number only from decimal digits: '" + value + "'");
            assertEquals(Integer.parseInt(text), number.get());
        } catch (XenStoreException e) {
            assertEquals(XsError.EINVAL, e.error());
            assertTrue(!asciiDigits(text) || text.length() > 9, "refused: '" + value + "'");
        }

        assertEquals(text.equals("1"), device.backendFeature("sg"));
    }
}
