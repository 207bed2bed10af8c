package org.xenpv.commands;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

@Command(scope = "xenstore", name = "rm", description = "Removes a XenStore node and everything under it")
@Service
public class XenstoreRmCommand implements Action {
    @Reference
    XenStore store;

    @Argument(index = 0, name = "path", required = true, description = "The node")
    String path;

    @Override
    public Object execute() throws XenStoreException {
        store.remove(path);
        return null;
    }
}
