package org.xenpv.commands;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.xenpv.xenbus.XenBusDevice;

/** Completes this guest's XenBus devices by bus id (vif-0, vif-1, ...), connected or not. */
@Service
public class XenBusDeviceCompleter implements Completer {
    @Reference(optional = true)
    List<XenBusDevice> devices;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(XenBusDevices.sorted(devices).stream().map(XenBusDevice::busId).toList())
                .complete(session, commandLine, candidates);
    }
}
