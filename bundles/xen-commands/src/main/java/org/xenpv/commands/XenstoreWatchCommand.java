package org.xenpv.commands;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.xenstore.Watch;
import org.xenpv.xenstore.XenStore;

@Command(scope = "xenstore", name = "watch", description = "Prints the paths of changes at or under a node,"
        + " as xenstore-watch does (the first is the node itself)")
@Service
public class XenstoreWatchCommand extends XenCommandSupport {
    @Reference(optional = true)
    XenStore store;

    @Argument(index = 0, name = "path", required = true, description = "The node to watch")
    @Completion(XenStorePathCompleter.class)
    String path;

    @Argument(index = 1, name = "count", description = "How many events to print before returning")
    int count = 1;

    @Option(name = "-t", aliases = "--timeout", description = "Seconds to wait for the events (default 60)")
    int timeoutSeconds = 60;

    @Override
    public Object execute() throws Exception {
        require(store, XenStore.class);
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, not " + count);
        }
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try (Watch watch = store.watch(path, events::add)) {
            for (int i = 0; i < count; i++) {
                String event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (event == null) {
                    throw new IllegalStateException("only " + i + " of " + count + " events on " + path + " within "
                            + timeoutSeconds + " s");
                }
                System.out.println(event);
            }
        }
        return null;
    }
}
