package org.xenpv.commands;

import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.xenpv.net.Nic;

@Command(scope = "netfront", name = "list", description = "Lists the vifs netfront drives: MAC, state, queues,"
        + " features negotiated")
@Service
public class NetfrontListCommand implements Action {
    @Reference(optional = true)
    List<Nic> nics;

    @Option(name = "--no-format", description = "Disable table rendered output")
    boolean noFormat;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Device");
        table.column("MAC");
        table.column("State");
        table.column("Link");
        table.column("Queues");
        table.column("Backend domain");
        table.column("Features");
        for (Nic nic : Nics.sorted(nics)) {
            table.addRow().addContent(nic.name(), nic.macAddress(), nic.state(), nic.linkState(), nic.queueCount(),
                    nic.info().backendDomain(), String.join(",", nic.info().features().stream().sorted().toList()));
        }
        table.print(System.out, !noFormat);
        return null;
    }
}
