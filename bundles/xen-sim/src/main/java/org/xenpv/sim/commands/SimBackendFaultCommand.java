package org.xenpv.sim.commands;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.xenpv.sim.SimulatedXen;

@Command(scope = "sim", name = "backend-fault", description = "Makes a simulated vif's backend misbehave in its"
        + " lifecycle (fault injection): vanish (its XenStore directory removed without closing) or flap (its"
        + " state flipped many times, then settled)")
@Service
public class SimBackendFaultCommand extends SimCommandSupport {
    @Reference(optional = true)
    SimulatedXen sim;

    @Argument(index = 0, name = "guest", required = true, description = "The guest's domid")
    @Completion(SimGuestCompleter.class)
    int guest;

    @Argument(index = 1, name = "id", required = true, description = "The vif's id within the guest")
    @Completion(SimVifIdCompleter.class)
    int id;

    @Argument(index = 2, name = "fault", required = true, description = "vanish or flap")
    @Completion(value = StringsCompleter.class, values = {"vanish", "flap"})
    String fault;

    @Option(name = "--flips", description = "How many times flap flips the state (default 200)")
    int flips = 200;

    @Option(name = "--interval", description = "Milliseconds between flips (default 2)")
    long intervalMillis = 2;

    @Override
    public Object execute() {
        SimulatedXen current = require(sim);
        switch (fault.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "vanish" -> {
                current.vanishBackend(guest, id);
                System.out.println("vif " + guest + "." + id + ": backend vanished");
            }
            case "flap" -> {
                int initWaits = current.flapBackend(guest, id, flips, intervalMillis);
                System.out.println("vif " + guest + "." + id + ": state flipped " + flips + " times (" + initWaits
                        + " to InitWait), then settled");
            }
            default -> throw new IllegalArgumentException("no backend lifecycle fault " + fault
                    + " (vanish or flap)");
        }
        return null;
    }
}
