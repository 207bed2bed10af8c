package org.xenpv.sim.commands;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.sim.SimulatedXen;

@Command(scope = "sim", name = "vif-add", description = "Adds a vif to a simulated guest, as xl network-attach does")
@Service
public class SimVifAddCommand extends SimCommandSupport {
    @Reference(optional = true)
    SimulatedXen sim;

    @Argument(index = 0, name = "guest", required = true, description = "The guest's domid")
    @Completion(SimGuestCompleter.class)
    int guest;

    @Override
    public Object execute() throws Exception {
        int handle = require(sim).addVif(guest);
        System.out.println("vif " + guest + "." + handle + " added");
        return null;
    }
}
