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
import org.xenpv.stack.lwip.SocketInfo;

/** The sockets open on the in-JVM IP stacks. */
@Command(scope = "ip", name = "sockets", description = "Lists the sockets open on the in-JVM IP stacks and their states")
@Service
public class IpSocketsCommand implements Action {
    @Reference(optional = true)
    List<IpStack> stacks;

    @Option(name = "--no-format", description = "Plain output, without table borders")
    boolean noFormat;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Nic");
        table.column("Protocol");
        table.column("Local");
        table.column("Remote");
        table.column("State");
        List<IpStack> current = stacks == null ? List.of() : stacks;
        current.stream().sorted(Comparator.comparing(IpStack::nicName)).forEach(stack -> {
            for (SocketInfo socket : stack.sockets()) {
                table.addRow().addContent(stack.nicName(), socket.protocol(), text(socket.local()),
                        socket.remote().map(IpSocketsCommand::text).orElse("-"), socket.state());
            }
        });
        table.print(System.out, !noFormat);
        return null;
    }

    private static String text(java.net.InetSocketAddress address) {
        String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
