package org.xenpv.commands;

import java.util.List;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

@Command(scope = "xenstore", name = "read", description = "Prints the values of XenStore nodes")
@Service
public class XenstoreReadCommand extends XenCommandSupport {
    @Reference(optional = true)
    XenStore store;

    @Argument(index = 0, name = "paths", required = true, multiValued = true, description = "Nodes to read")
    @Completion(XenStorePathCompleter.class)
    List<String> paths;

    @Override
    public Object execute() throws XenStoreException {
        require(store, XenStore.class);
        for (String path : paths) {
            System.out.println(store.read(path));
        }
        return null;
    }
}
