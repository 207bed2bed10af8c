package org.xenpv.sim.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import org.apache.karaf.shell.api.console.CommandLine;
import org.junit.jupiter.api.Test;
import org.xenpv.sim.DomainAccounting;
import org.xenpv.sim.SimulatedVif;
import org.xenpv.sim.SimulatedXen;

class SimCompletersTest {

    /** dom0, guest 1 with vifs 0 and 1, guest 2 with vif 0. */
    private static SimulatedXen simulator() {
        return (SimulatedXen) Proxy.newProxyInstance(SimulatedXen.class.getClassLoader(),
                new Class<?>[] {SimulatedXen.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "accounting" -> List.of(new DomainAccounting(0, "Domain-0", 0, 0, 0, 0),
                            new DomainAccounting(1, "guest-1", 0, 0, 0, 0),
                            new DomainAccounting(2, "guest-2", 0, 0, 0, 0));
                    case "vifs" -> List.of(vif(1, 1), vif(1, 0), vif(2, 0));
                    case "backendFaults" -> List.of("EVENT_STORM", "RX_BAD_ID");
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static SimulatedVif vif(int guest, int handle) {
        return new SimulatedVif(guest, handle, "00:16:3e:00:00:00", 4, 1, 0, 0, 0);
    }

    @Test
    void guestsAreEveryDomainButDom0() {
        SimGuestCompleter completer = new SimGuestCompleter();
        completer.sim = simulator();
        assertEquals(List.of("1 ", "2 "), complete(completer, "sim:vif-add "));
    }

    @Test
    void vifIdsAreThoseOfTheGuestBeforeTheCursor() {
        SimVifIdCompleter completer = new SimVifIdCompleter();
        completer.sim = simulator();
        assertEquals(List.of("0 ", "1 "), complete(completer, "sim:vif-remove 1 "));
        assertEquals(List.of("0 "), complete(completer, "sim:vif-remove 2 "));
        assertEquals(List.of(), complete(completer, "sim:vif-remove 9 "));
    }

    @Test
    void faultsAreTheSimulatorsInTheConsolesSpelling() {
        SimFaultCompleter completer = new SimFaultCompleter();
        completer.sim = simulator();
        assertEquals(List.of("event-storm ", "rx-bad-id "), complete(completer, "sim:vif-fault 1 0 "));
        assertEquals(List.of(), complete(new SimFaultCompleter(), "sim:vif-fault 1 0 "));
    }

    @Test
    void withoutTheSimulatorThereIsNothingToOffer() {
        assertEquals(List.of(), complete(new SimGuestCompleter(), "sim:vif-add "));
        assertEquals(List.of(), complete(new SimVifIdCompleter(), "sim:vif-remove 1 "));
    }

    private static List<String> complete(org.apache.karaf.shell.api.console.Completer completer, String line) {
        List<String> candidates = new ArrayList<>();
        completer.complete(null, commandLine(line), candidates);
        return candidates.stream().sorted().toList();
    }

    /** The command line as the console hands it over, the cursor on a new, empty argument at its end. */
    private static CommandLine commandLine(String line) {
        String[] words = (line + "x").split(" ");
        words[words.length - 1] = "";
        return new CommandLine() {
            @Override
            public int getCursorArgumentIndex() {
                return words.length - 1;
            }

            @Override
            public String getCursorArgument() {
                return "";
            }

            @Override
            public int getArgumentPosition() {
                return 0;
            }

            @Override
            public String[] getArguments() {
                return words;
            }

            @Override
            public int getBufferPosition() {
                return line.length();
            }

            @Override
            public String getBuffer() {
                return line;
            }
        };
    }
}
