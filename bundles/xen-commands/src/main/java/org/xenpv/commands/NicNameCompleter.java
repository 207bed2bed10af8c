package org.xenpv.commands;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.xenpv.net.Nic;

/** Completes the names of the connected vifs (vif-0, vif-1, ...). */
@Service
public class NicNameCompleter implements Completer {
    @Reference(optional = true)
    List<Nic> nics;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(Nics.sorted(nics).stream().map(Nic::name).toList())
                .complete(session, commandLine, candidates);
    }
}
