package org.xenpv.commands;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

@Command(scope = "xenstore", name = "rm", description = "Removes a XenStore node and everything under it")
@Service
public class XenstoreRmCommand extends XenCommandSupport {
    @Reference(optional = true)
    XenStore store;

    @Argument(index = 0, name = "path", required = true, description = "The node")
    @Completion(XenStorePathCompleter.class)
    String path;

    @Override
    public Object execute() throws XenStoreException {
        require(store, XenStore.class).remove(path);
        return null;
    }
}
