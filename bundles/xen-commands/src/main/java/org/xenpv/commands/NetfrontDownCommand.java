package org.xenpv.commands;

import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.net.Nic;

@Command(scope = "netfront", name = "down", description = "Stops a vif: frames are neither sent nor delivered")
@Service
public class NetfrontDownCommand implements Action {
    @Reference(optional = true)
    List<Nic> nics;

    @Argument(index = 0, name = "device", required = true, description = "The vif, for example vif-0")
    @Completion(NicNameCompleter.class)
    String device;

    @Override
    public Object execute() {
        Nic nic = Nics.named(nics, device);
        nic.down();
        System.out.println(nic.name() + ": " + nic.state());
        return null;
    }
}
