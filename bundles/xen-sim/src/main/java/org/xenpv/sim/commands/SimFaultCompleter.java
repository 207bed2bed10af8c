package org.xenpv.sim.commands;

import java.util.List;
import java.util.Locale;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.xenpv.sim.SimulatedXen;

/** Completes the faults a simulated backend can be told to write ({@code sim:vif-fault 1 0 <TAB>}). */
@Service
public class SimFaultCompleter implements Completer {
    @Reference(optional = true)
    SimulatedXen sim;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        SimulatedXen current = sim;
        List<String> faults = current == null ? List.of() : current.backendFaults().stream()
                .map(name -> name.toLowerCase(Locale.ROOT).replace('_', '-')).toList();
        return new StringsCompleter(faults).complete(session, commandLine, candidates);
    }
}
