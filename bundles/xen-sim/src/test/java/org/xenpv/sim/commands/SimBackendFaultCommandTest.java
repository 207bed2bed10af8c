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

class SimBackendFaultCommandTest {
    private final List<String> calls = new ArrayList<>();

    private SimBackendFaultCommand command(String fault) {
        SimBackendFaultCommand command = new SimBackendFaultCommand();
        command.sim = (SimulatedXen) Proxy.newProxyInstance(SimulatedXen.class.getClassLoader(),
                new Class<?>[] {SimulatedXen.class}, (proxy, method, args) -> {
                    calls.add(method.getName() + Arrays.toString(args));
                    return method.getReturnType() == int.class ? 50 : null;
                });
        command.guest = 1;
        command.id = 2;
        command.fault = fault;
        return command;
    }

    @Test
    void vanishGoesToTheNamedVif() {
        command("vanish").execute();
        assertEquals(List.of("vanishBackend[1, 2]"), calls);
    }

    @Test
    void flapFlipsTwoHundredTimesEveryTwoMillisecondsUnlessToldOtherwise() {
        command(" FLAP ").execute();
        SimBackendFaultCommand fewer = command("flap");
        fewer.flips = 8;
        fewer.intervalMillis = 0;
        fewer.execute();
        assertEquals(List.of("flapBackend[1, 2, 200, 2]", "flapBackend[1, 2, 8, 0]"), calls);
    }

    @Test
    void anUnknownFaultIsNamedWithTheKnownOnes() {
        String message = assertThrows(IllegalArgumentException.class, command("explode")::execute).getMessage();
        assertTrue(message.contains("explode") && message.contains("vanish or flap"), message);
        assertEquals(List.of(), calls);
    }

    @Test
    void withoutTheSimulatorItSaysWhy() {
        SimBackendFaultCommand command = command("vanish");
        command.sim = null;
        assertTrue(assertThrows(IllegalStateException.class, command::execute).getMessage()
                .contains("simulator is not running"));
    }
}
