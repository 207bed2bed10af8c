package org.xenpv.sim.commands;

import java.util.ArrayList;
import java.util.List;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.sim.SimulatedVif;
import org.xenpv.sim.SimulatedXen;

@Command(scope = "sim", name = "vif-list", description = "Lists the simulated vifs as dom0 sees them: backend"
        + " state, frames to and from the guest, and each backend's host interface with its counters")
@Service
public class SimVifListCommand extends SimCommandSupport {
    @Reference(optional = true)
    SimulatedXen sim;

    @Option(name = "--no-format", description = "Disable table rendered output")
    boolean noFormat;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Guest");
        table.column("Id");
        table.column("MAC");
        table.column("Backend");
        table.column("Queues");
        table.column("From guest");
        table.column("To guest");
        table.column("Dropped");
        table.column("Host interface");
        table.column("From host");
        table.column("To host");
        table.column("Host dropped");
        List<String> failures = new ArrayList<>();
        for (SimulatedVif vif : require(sim).vifs()) {
            XenbusState state = XenbusState.fromCode(vif.backendState());
            String hostInterface = "-";
            String fromHost = "-";
            String toHost = "-";
            String hostDropped = "-";
            if (vif.hostInterface().isPresent()) {
                SimulatedVif.HostInterface host = vif.hostInterface().get();
                hostInterface = host.name() + (!host.present() ? " (missing)"
                        : host.bridge().isEmpty() ? "" : " (bridge " + host.bridge() + ")");
                fromHost = Long.toString(host.framesFromHost());
                toHost = Long.toString(host.framesToHost());
                hostDropped = dropped(host);
                if (!host.present()) {
                    failures.add(host.name() + ": " + host.failure());
                }
            }
            table.addRow().addContent(vif.guestDomid(), vif.handle(), vif.mac(),
                    state == null ? Integer.toString(vif.backendState()) : state, vif.queues(),
                    vif.framesFromGuest(), vif.framesToGuest(), vif.framesDropped(), hostInterface, fromHost, toHost,
                    hostDropped);
        }
        table.print(System.out, !noFormat);
        for (String failure : failures) {
            System.out.println(failure);
        }
        return null;
    }

    /** The total, and what it is made of when not zero ("from host": the host's frames; the rest: the guest's). */
    private static String dropped(SimulatedVif.HostInterface host) {
        List<String> reasons = new ArrayList<>();
        reason(reasons, "from host", host.droppedFromHost());
        reason(reasons, "no interface", host.droppedNoInterface());
        reason(reasons, "refused", host.droppedRefused());
        reason(reasons, "checksum", host.droppedChecksum());
        reason(reasons, "gso", host.droppedGso());
        return host.dropped() + (reasons.isEmpty() ? "" : " (" + String.join(", ", reasons) + ")");
    }

    private static void reason(List<String> reasons, String why, long count) {
        if (count > 0) {
            reasons.add(why + " " + count);
        }
    }
}
