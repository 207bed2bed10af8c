package org.xenpv.stack.tap.commands;

import java.util.Comparator;
import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.xenpv.stack.tap.TapStack;

/** Lists the TAP stacks: which Nic is which interface, and the frames each way. */
@Command(scope = "tap", name = "list", description = "Lists the TAP stacks: interface, Nic, state and frames")
@Service
public class TapListCommand implements Action {
    @Reference(optional = true)
    List<TapStack> stacks;

    @Option(name = "--no-format", description = "Plain output, without table borders")
    boolean noFormat;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Interface");
        table.column("Nic");
        table.column("State");
        table.column("From kernel").alignRight();
        table.column("To Nic").alignRight();
        table.column("Not taken").alignRight();
        table.column("To kernel").alignRight();
        table.column("Refused").alignRight();
        table.column("Checksums done").alignRight();
        table.column("Failure");
        List<TapStack> current = stacks == null ? List.of() : stacks;
        current.stream().sorted(Comparator.comparing(TapStack::interfaceName)).forEach(stack -> {
            TapStack.Counters c = stack.counters();
            table.addRow().addContent(stack.interfaceName(), stack.nicName(), stack.state(), c.fromKernel(),
                    c.toNic(), c.toNicDropped(), c.toKernel(), c.toKernelDropped(), c.checksumsCompleted(),
                    stack.failure().orElse(""));
        });
        table.print(System.out, !noFormat);
        return null;
    }
}
