package org.xenpv.commands;

import java.util.Map;
import java.util.TreeMap;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.xenpv.evtchn.EventChannelStatus;
import org.xenpv.gnttab.GrantTableStatus;
import org.xenpv.platform.PciBar;
import org.xenpv.platform.PlatformPciDevice;
import org.xenpv.platform.XenPlatform;

@Command(scope = "xen", name = "info", description = "Shows the platform: provider, Xen version, domid, platform"
        + " PCI device, grants and event channels in use")
@Service
public class XenInfoCommand extends XenCommandSupport {
    @Reference(optional = true)
    XenPlatform platform;

    @Reference(optional = true)
    GrantTableStatus grants;

    @Reference(optional = true)
    EventChannelStatus events;

    @Option(name = "--no-format", description = "Disable table rendered output")
    boolean noFormat;

    @Override
    public Object execute() {
        require(platform, XenPlatform.class);
        ShellTable table = new ShellTable();
        table.column("Property");
        table.column("Value");
        table.addRow().addContent("Provider", platform.providerName());
        table.addRow().addContent("Xen version", platform.xenVersion().toString());
        table.addRow().addContent("Domain id", platform.domid());
        table.addRow().addContent("Guest type", platform.guestType());
        table.addRow().addContent("Platform PCI device", platform.platformPciDevice()
                .map(PlatformPciDevice::describe).orElse("none"));
        platform.platformPciDevice().ifPresent(pci -> {
            for (PciBar bar : pci.bars()) {
                if (bar.size() > 0) {
                    table.addRow().addContent("  BAR " + bar.index(), bar.describe());
                }
            }
        });
        table.addRow().addContent("Grants outstanding", grants == null ? "n/a" : grants.grantsOutstanding());
        // Revoked pages a backend has not let go of: part of the grants outstanding, never reused until it does.
        table.addRow().addContent("Pages held by backends", grants == null ? "n/a" : grants.pagesHeld());
        table.addRow().addContent("Revocations unknown", grants == null ? "n/a" : grants.revocationsUnknown());
        table.addRow().addContent("Event channels open", events == null ? "n/a" : events.portsOpen());
        table.addRow().addContent("Spurious events", events == null ? "n/a" : events.spuriousEvents()
                + " (re-armed late " + events.delayedRearms() + " times)");
        Map<String, String> details = new TreeMap<>(platform.providerDetails());
        details.forEach((name, value) -> table.addRow().addContent(capitalised(name), value));
        table.print(System.out, !noFormat);
        return null;
    }

    private static String capitalised(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
