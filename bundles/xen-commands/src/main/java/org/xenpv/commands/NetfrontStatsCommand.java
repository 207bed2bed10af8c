package org.xenpv.commands;

import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.xenpv.net.Nic;
import org.xenpv.net.NicStatistics;

@Command(scope = "netfront", name = "stats", description = "Shows a vif's counters per queue, and why it broke if it did")
@Service
public class NetfrontStatsCommand implements Action {
    @Reference(optional = true)
    List<Nic> nics;

    @Argument(index = 0, name = "device", required = true, description = "The vif, for example vif-0")
    @Completion(NicNameCompleter.class)
    String device;

    @Option(name = "--no-format", description = "Disable table rendered output")
    boolean noFormat;

    @Override
    public Object execute() {
        Nic nic = Nics.named(nics, device);
        NicStatistics statistics = nic.statistics();
        ShellTable table = new ShellTable();
        for (String column : List.of("Queue", "TX packets", "TX bytes", "TX errors", "TX dropped", "RX packets",
                "RX bytes", "RX errors", "RX dropped")) {
            table.column(column).alignRight();
        }
        List<NicStatistics.QueueCounters> queues = statistics.queues();
        for (int q = 0; q < queues.size(); q++) {
            row(table, Integer.toString(q), queues.get(q));
        }
        row(table, "total", statistics.total());
        table.print(System.out, !noFormat);
        nic.driverStatistics().forEach((name, value) -> System.out.println(name + ": " + value));
        nic.info().brokenReason().ifPresent(reason -> System.out.println("Broken: " + reason));
        return null;
    }

    private static void row(ShellTable table, String name, NicStatistics.QueueCounters c) {
        table.addRow().addContent(name, c.txPackets(), c.txBytes(), c.txErrors(), c.txDropped(), c.rxPackets(),
                c.rxBytes(), c.rxErrors(), c.rxDropped());
    }
}
