package org.xenpv.sim.commands;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.xenpv.sim.DomainAccounting;
import org.xenpv.sim.SimulatedXen;

/** Completes the domids of the simulated guests (every domain but dom0). */
@Service
public class SimGuestCompleter implements Completer {
    @Reference(optional = true)
    SimulatedXen sim;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        SimulatedXen current = sim;
        List<String> guests = current == null ? List.of() : current.accounting().stream()
                .mapToInt(DomainAccounting::domid).filter(domid -> domid != 0).mapToObj(Integer::toString).toList();
        return new StringsCompleter(guests).complete(session, commandLine, candidates);
    }
}
