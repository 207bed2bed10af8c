package org.xenpv.capture.commands;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.xenpv.capture.Captures;

/** Completes the names of the Nics that can be captured (vif-0, vif-1, ...). */
@Service
public class NicNameCompleter implements Completer {
    @Reference
    Captures captures;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(captures.nics()).complete(session, commandLine, candidates);
    }
}
