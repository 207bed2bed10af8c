package org.xenpv.commands;

import java.util.stream.Collectors;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.abi.xs.XsError;
import org.xenpv.xenstore.Permission;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

@Command(scope = "xenstore", name = "ls", description = "Lists a XenStore subtree, as xenstore-ls does")
@Service
public class XenstoreLsCommand extends XenCommandSupport {
    @Reference(optional = true)
    XenStore store;

    @Option(name = "-p", description = "Show each node's permissions")
    boolean permissions;

    @Argument(index = 0, name = "path", description = "The subtree (absolute, or relative to this domain's home)")
    @Completion(XenStorePathCompleter.class)
    String path = "/";

    @Override
    public Object execute() throws XenStoreException {
        require(store, XenStore.class);
        list(path.equals("/") ? "" : path, 0);
        return null;
    }

    private void list(String dir, int depth) throws XenStoreException {
        for (String child : store.directory(dir.isEmpty() ? "/" : dir)) {
            String node = dir + "/" + child;
            String value;
            try {
                value = store.read(node);
            } catch (XenStoreException e) {
                if (e.error() != XsError.EACCES) {
                    throw e;
                }
                System.out.println(" ".repeat(depth) + child + ":");
                continue;
            }
            StringBuilder line = new StringBuilder(" ".repeat(depth)).append(child).append(" = \"")
                    .append(value).append('"');
            if (permissions) {
                line.append("  (").append(store.permissions(node).stream().map(Permission::toString)
                        .collect(Collectors.joining(","))).append(')');
            }
            System.out.println(line);
            list(node, depth + 1);
        }
    }
}
