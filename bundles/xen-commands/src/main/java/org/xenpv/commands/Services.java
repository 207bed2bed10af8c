package org.xenpv.commands;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.xenpv.net.Nic;
import org.xenpv.xenbus.XenBusDevice;

/** The services the commands list, looked up at each call (they come and go with devices). */
final class Services {
    private Services() {
    }

    static List<Nic> nics(BundleContext context) {
        return all(context, Nic.class, Nic::name);
    }

    static List<XenBusDevice> devices(BundleContext context) {
        return all(context, XenBusDevice.class, XenBusDevice::nodePath);
    }

    private static <T> List<T> all(BundleContext context, Class<T> type, Function<T, String> order) {
        List<T> services = new ArrayList<>();
        try {
            for (ServiceReference<T> reference : context.getServiceReferences(type, null)) {
                T service = context.getService(reference);
                if (service != null) {
                    services.add(service);
                    context.ungetService(reference);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        services.sort(Comparator.comparing(order));
        return services;
    }

    /** The Nic named {@code name}, or an error that lists the names there are. */
    static Nic nic(BundleContext context, String name) {
        List<Nic> nics = nics(context);
        for (Nic nic : nics) {
            if (nic.name().equals(name)) {
                return nic;
            }
        }
        throw new IllegalArgumentException("no vif named '" + name + "'; connected vifs: "
                + (nics.isEmpty() ? "none" : String.join(", ", nics.stream().map(Nic::name).toList())));
    }
}
