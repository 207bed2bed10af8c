package org.xenpv.stack.lwip.commands;

import java.util.Comparator;
import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.xenpv.stack.lwip.IpStack;

/** Lists the in-JVM IP stacks: interface, Nic, addresses, state and frames. */
@Command(scope = "ip", name = "list", description = "Lists the in-JVM IP stacks (lwIP): Nic, addresses, state, frames")
@Service
public class IpListCommand implements Action {
    @Reference(optional = true)
    List<IpStack> stacks;

    @Option(name = "--no-format", description = "Plain output, without table borders")
    boolean noFormat;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Interface");
        table.column("Nic");
        table.column("IPv4");
        table.column("Gateway");
        table.column("IPv6 link-local");
        table.column("State");
        table.column("From Nic").alignRight();
        table.column("Dropped in").alignRight();
        table.column("To Nic").alignRight();
        table.column("Dropped out").alignRight();
        table.column("Sockets").alignRight();
        table.column("Failure");
        List<IpStack> current = stacks == null ? List.of() : stacks;
        current.stream().sorted(Comparator.comparing(IpStack::nicName)).forEach(stack -> {
            IpStack.Counters c = stack.counters();
            table.addRow().addContent(stack.interfaceName(), stack.nicName(),
                    stack.address().getHostAddress() + "/" + stack.prefixLength(),
                    stack.gateway().map(g -> g.getHostAddress()).orElse("-"),
                    stack.linkLocalAddress().getHostAddress(), stack.state(), c.fromNic(), c.fromNicDropped(),
                    c.toNic(), c.toNicDropped(), stack.sockets().size(), stack.failure().orElse(""));
        });
        table.print(System.out, !noFormat);
        return null;
    }
}
