package org.xenpv.netfront.internal;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.xenpv.evtchn.EventChannels;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.net.Nic;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStore;

/**
 * One netfront per vif device: started when the device appears, closed when it goes. Neither waits:
 * each device does its XenStore work and its waiting on its own thread.
 */
public final class Netfronts {

    private final XenStore store;
    private final GrantTable grants;
    private final EventChannels events;
    private final NetfrontConfig config;
    private final NetfrontDevice.Publisher publisher;
    private final Map<String, NetfrontDevice> devices = new ConcurrentHashMap<>();
    /** By vif node path, for as long as this driver instance lives: see {@link HeldByBackend}. */
    private final Map<String, HeldByBackend> held = new ConcurrentHashMap<>();
    /** Closes begun and not yet done, whoever began them. */
    private final Set<CompletableFuture<Void>> closing = ConcurrentHashMap.newKeySet();

    Netfronts(XenStore store, GrantTable grants, EventChannels events, NetfrontConfig config,
            NetfrontDevice.Publisher publisher) {
        this.store = store;
        this.grants = grants;
        this.events = events;
        this.config = config;
        this.publisher = publisher;
    }

    /**
     * Netfronts that hand each Nic to {@code listener} instead of registering it, as the driver runs outside
     * OSGi (the bundle's standalone package).
     *
     * @param listener told of each Nic on its device's thread; what it returns runs once when that Nic goes
     */
    public static Netfronts unregistered(XenStore store, GrantTable grants, EventChannels events,
            NetfrontConfig config, Function<Nic, Runnable> listener) {
        return new Netfronts(store, grants, events, config, (nic, properties) -> listener.apply(nic)::run);
    }

    /** Starts a netfront for the device, unless it has one. */
    public void add(XenBusDevice device) {
        NetfrontDevice netfront = new NetfrontDevice(device, store, grants, events, config, publisher,
                held.computeIfAbsent(device.nodePath(), path -> new HeldByBackend()));
        if (devices.putIfAbsent(device.nodePath(), netfront) == null) {
            netfront.start();
        }
    }

    /**
     * Starts closing the device's netfront and returns.
     *
     * @return completes once it is closed (at once when there was none)
     */
    public CompletableFuture<Void> remove(XenBusDevice device) {
        NetfrontDevice netfront = devices.remove(device.nodePath());
        return netfront == null ? CompletableFuture.completedFuture(null) : beginClose(netfront);
    }

    private CompletableFuture<Void> beginClose(NetfrontDevice netfront) {
        CompletableFuture<Void> closed = netfront.beginClose().toCompletableFuture();
        closing.add(closed);
        closed.whenComplete((done, failure) -> closing.remove(closed));
        return closed;
    }

    List<Nic> nics() {
        return devices.values().stream().map(d -> (Nic) d.nic()).filter(Objects::nonNull).toList();
    }

    /**
     * Starts closing every netfront, all at once, and returns.
     *
     * @return completes once every one is closed and its thread has ended, those that
     *     {@link #remove} began closing included
     */
    public CompletableFuture<Void> closeAll() {
        for (String node : List.copyOf(devices.keySet())) {
            NetfrontDevice netfront = devices.remove(node);
            if (netfront != null) {
                beginClose(netfront);
            }
        }
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new));
    }
}
