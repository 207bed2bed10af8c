package org.xenpv.sim.commands;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.sim.SimulatedXen;

@Command(scope = "sim", name = "vif-fault", description = "Makes a simulated vif's backend lie to its frontend"
        + " (fault injection): writes the fault into a queue's rings, or storms its events until --calm")
@Service
public class SimVifFaultCommand extends SimCommandSupport {
    @Reference(optional = true)
    SimulatedXen sim;

    @Argument(index = 0, name = "guest", required = true, description = "The guest's domid")
    @Completion(SimGuestCompleter.class)
    int guest;

    @Argument(index = 1, name = "id", required = true, description = "The vif's id within the guest")
    @Completion(SimVifIdCompleter.class)
    int id;

    @Argument(index = 2, name = "fault", description = "What the backend writes, for example event-storm or"
            + " rx-bad-id (without one, the command names them all); not with --calm")
    @Completion(SimFaultCompleter.class)
    String fault;

    @Option(name = "--queue", aliases = "-q", description = "The queue that lies (default 0)")
    int queue;

    @Option(name = "--calm", description = "Ends the vif's event storms instead")
    boolean calm;

    @Override
    public Object execute() {
        SimulatedXen current = require(sim);
        if (calm) {
            if (fault != null) {
                throw new IllegalArgumentException("--calm takes no fault, but got " + fault);
            }
            current.calmBackend(guest, id);
            System.out.println("vif " + guest + "." + id + ": storms ended");
            return null;
        }
        if (fault == null) {
            throw new IllegalArgumentException("name a fault (one of " + current.backendFaults() + ") or give --calm");
        }
        current.injectBackendFault(guest, id, queue, fault);
        System.out.println("vif " + guest + "." + id + " queue " + queue + ": " + fault + " injected");
        return null;
    }
}
