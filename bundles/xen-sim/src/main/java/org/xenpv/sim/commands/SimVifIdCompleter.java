package org.xenpv.sim.commands;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.xenpv.sim.SimulatedVif;
import org.xenpv.sim.SimulatedXen;

/**
 * Completes the ids of the vifs of the guest named by the argument before
 * the cursor ({@code sim:vif-remove <guest> <TAB>}).
 */
@Service
public class SimVifIdCompleter implements Completer {
    @Reference(optional = true)
    SimulatedXen sim;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        SimulatedXen current = sim;
        int index = commandLine.getCursorArgumentIndex();
        List<String> ids = List.of();
        if (current != null && index > 0) {
            String guest = commandLine.getArguments()[index - 1];
            ids = current.vifs().stream().filter(vif -> Integer.toString(vif.guestDomid()).equals(guest))
                    .mapToInt(SimulatedVif::handle).sorted().mapToObj(Integer::toString).toList();
        }
        return new StringsCompleter(ids).complete(session, commandLine, candidates);
    }
}
