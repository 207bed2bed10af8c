package org.xenpv.sim.commands;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.sim.SimulatedXen;

@Command(scope = "sim", name = "vif-remove", description = "Hot-unplugs a vif of a simulated guest, as xl"
        + " network-detach does, and waits until it is gone")
@Service
public class SimVifRemoveCommand implements Action {
    @Reference
    SimulatedXen sim;

    @Argument(index = 0, name = "guest", required = true, description = "The guest's domid")
    int guest;

    @Argument(index = 1, name = "id", required = true, description = "The vif's id within the guest")
    int id;

    @Override
    public Object execute() throws Exception {
        sim.removeVif(guest, id);
        System.out.println("vif " + guest + "." + id + " removed");
        return null;
    }
}
