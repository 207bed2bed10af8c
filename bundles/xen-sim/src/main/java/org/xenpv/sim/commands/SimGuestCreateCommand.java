package org.xenpv.sim.commands;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.sim.SimulatedXen;

@Command(scope = "sim", name = "guest-create", description = "Creates another simulated guest domain and prints its domid")
@Service
public class SimGuestCreateCommand extends SimCommandSupport {
    @Reference(optional = true)
    SimulatedXen sim;

    @Override
    public Object execute() throws Exception {
        System.out.println("guest " + require(sim).createGuest() + " created");
        return null;
    }
}
