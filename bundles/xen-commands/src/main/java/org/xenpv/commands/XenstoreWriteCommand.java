package org.xenpv.commands;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

@Command(scope = "xenstore", name = "write", description = "Writes a XenStore node, creating it")
@Service
public class XenstoreWriteCommand extends XenCommandSupport {
    @Reference(optional = true)
    XenStore store;

    @Argument(index = 0, name = "path", required = true, description = "The node")
    @Completion(XenStorePathCompleter.class)
    String path;

    @Argument(index = 1, name = "value", required = true, description = "Its new value")
    String value;

    @Override
    public Object execute() throws XenStoreException {
        require(store, XenStore.class).write(path, value);
        return null;
    }
}
