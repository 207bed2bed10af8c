package org.xenpv.sim.commands;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.sim.SimulatedXen;

@Command(scope = "sim", name = "vif-remove", description = "Hot-unplugs a vif of a simulated guest, as xl"
        + " network-detach does, and waits until it is gone")
@Service
public class SimVifRemoveCommand extends SimCommandSupport {
    @Reference(optional = true)
    SimulatedXen sim;

    @Argument(index = 0, name = "guest", required = true, description = "The guest's domid")
    @Completion(SimGuestCompleter.class)
    int guest;

    @Argument(index = 1, name = "id", required = true, description = "The vif's id within the guest")
    @Completion(SimVifIdCompleter.class)
    int id;

    @Override
    public Object execute() throws Exception {
        require(sim).removeVif(guest, id);
        System.out.println("vif " + guest + "." + id + " removed");
        return null;
    }
}
