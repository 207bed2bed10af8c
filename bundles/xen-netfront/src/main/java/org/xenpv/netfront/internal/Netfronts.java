package org.xenpv.netfront.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.evtchn.EventChannels;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.net.Nic;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

/** One netfront per vif device: started when the device appears, closed when it goes. */
public final class Netfronts implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Netfronts.class);

    private final XenStore store;
    private final GrantTable grants;
    private final EventChannels events;
    private final NetfrontConfig config;
    private final NetfrontDevice.Publisher publisher;
    private final Map<String, NetfrontDevice> devices = new ConcurrentHashMap<>();

    public Netfronts(XenStore store, GrantTable grants, EventChannels events, NetfrontConfig config,
            NetfrontDevice.Publisher publisher) {
        this.store = store;
        this.grants = grants;
        this.events = events;
        this.config = config;
        this.publisher = publisher;
    }

    public void add(XenBusDevice device) {
        try {
            NetfrontDevice netfront = new NetfrontDevice(device, store, grants, events, config, publisher);
            if (devices.putIfAbsent(device.nodePath(), netfront) == null) {
                netfront.start();
            }
        } catch (XenStoreException e) {
            LOG.error("{}: cannot drive it: {}", device.busId(), e.getMessage());
        }
    }

    public void remove(XenBusDevice device) {
        NetfrontDevice netfront = devices.remove(device.nodePath());
        if (netfront != null) {
            netfront.close();
        }
    }

    List<Nic> nics() {
        return devices.values().stream().map(d -> (Nic) d.nic()).toList();
    }

    @Override
    public void close() {
        for (String node : List.copyOf(devices.keySet())) {
            NetfrontDevice netfront = devices.remove(node);
            if (netfront != null) {
                netfront.close();
            }
        }
    }
}
