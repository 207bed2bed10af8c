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
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStoreException;

@Command(scope = "xenbus", name = "list", description = "Lists this guest's XenBus devices and their states")
@Service
public class XenbusListCommand implements Action {
    @Reference(optional = true)
    List<XenBusDevice> devices;

    @Argument(index = 0, name = "devices", multiValued = true,
            description = "Only these devices, by bus id (for example vif-0); all when none is given")
    @Completion(XenBusDeviceCompleter.class)
    List<String> only;

    @Option(name = "--no-format", description = "Disable table rendered output")
    boolean noFormat;

    @Override
    public Object execute() throws XenStoreException {
        ShellTable table = new ShellTable();
        table.column("Device");
        table.column("Class");
        table.column("Id");
        table.column("Frontend");
        table.column("Backend");
        table.column("Backend domain");
        table.column("Backend path");
        List<XenBusDevice> shown = only == null || only.isEmpty() ? XenBusDevices.sorted(devices)
                : only.stream().map(busId -> XenBusDevices.named(devices, busId)).distinct().toList();
        for (XenBusDevice device : shown) {
            table.addRow().addContent(device.busId(), device.deviceClass(), device.id(), device.state(),
                    device.backendState(), device.backendDomid(), device.backendPath());
        }
        table.print(System.out, !noFormat);
        return null;
    }
}
