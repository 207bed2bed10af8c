package org.xenpv.sim.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.xenpv.sim.SimulatedXen;
import org.xenpv.sim.netback.NetbackFault;

class SimVifFaultCommandTest {
    private final List<String> calls = new ArrayList<>();

    private SimVifFaultCommand command(String... arguments) {
        SimVifFaultCommand command = new SimVifFaultCommand();
        command.sim = (SimulatedXen) Proxy.newProxyInstance(SimulatedXen.class.getClassLoader(),
                new Class<?>[] {SimulatedXen.class}, (proxy, method, args) -> {
                    if (method.getName().equals("backendFaults")) {
                        return List.of("EVENT_STORM");
                    }
                    calls.add(method.getName() + Arrays.toString(args));
                    return null;
                });
        command.guest = 1;
        command.id = 0;
        command.fault = arguments.length > 0 ? arguments[0] : null;
        return command;
    }

    @Test
    void aFaultGoesToTheNamedVifAndQueue() {
        SimVifFaultCommand command = command("rx-bad-id");
        command.queue = 2;
        command.execute();
        assertEquals(List.of("injectBackendFault[1, 0, 2, rx-bad-id]"), calls);
    }

    @Test
    void calmEndsTheStormsAndTakesNoFault() {
        SimVifFaultCommand command = command();
        command.calm = true;
        command.execute();
        assertEquals(List.of("calmBackend[1, 0]"), calls);
        SimVifFaultCommand both = command("event-storm");
        both.calm = true;
        assertTrue(assertThrows(IllegalArgumentException.class, both::execute).getMessage().contains("event-storm"));
    }

    @Test
    void withoutAFaultTheFaultsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, command()::execute).getMessage()
                .contains("EVENT_STORM"));
        assertEquals(List.of(), calls);
    }

    @Test
    void withoutTheSimulatorItSaysWhy() {
        SimVifFaultCommand command = command("event-storm");
        command.sim = null;
        assertTrue(assertThrows(IllegalStateException.class, command::execute).getMessage()
                .contains("simulator is not running"));
    }

    @Test
    void aFaultIsNamedInTheConsolesSpellingOrAsTheConstant() {
        assertEquals(NetbackFault.RX_OUT_OF_PAGE, NetbackFault.named("rx-out-of-page"));
        assertEquals(NetbackFault.EVENT_STORM, NetbackFault.named(" EVENT_STORM "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NetbackFault.named("rx-lies")).getMessage()
                .contains("TX_NULL_RESPONSE"));
    }
}
