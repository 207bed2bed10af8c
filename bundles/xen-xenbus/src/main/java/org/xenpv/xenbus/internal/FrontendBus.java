package org.xenpv.xenbus.internal;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.xs.XsError;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.Watch;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

/**
 * Keeps one published device per {@code <home>/device/<class>/<id>} that
 * names its backend. A watch on {@code <home>/device} triggers a rescan on
 * the bus's own thread, so drivers that start when a device is published may
 * wait for XenStore events without holding up the watch thread.
 * <p>
 * On a guest the home is this domain's, named relatively ({@code device/vif/0}),
 * as Linux names its frontends: a domain restored or migrated gets a new domid
 * and new backends, and relative paths follow it there. The kernel registers
 * the watch again on resume, its first event rescans, and every device whose
 * backend moved is published anew.
 */
public final class FrontendBus implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FrontendBus.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final int MAX_DOMID = 0x7fef;

    /** The home of {@link #FrontendBus(XenStore, DeviceRegistry)}: paths relative to this domain's. */
    static final String RELATIVE_HOME = "";

    private record Published(BusDevice device, DeviceRegistry.Publication publication) {
    }

    private final XenStore store;
    private final String home;
    private final DeviceRegistry registry;
    private final ExecutorService busThread;
    private final Map<String, Published> published = new LinkedHashMap<>();
    private final Watch watch;

    /** A bus over this domain's own devices, by paths relative to its home. */
    FrontendBus(XenStore store, DeviceRegistry registry) throws XenStoreException {
        this(store, RELATIVE_HOME, registry);
    }

    /** A bus over the devices under {@code home}: an absolute domain path, or {@code ""} for this domain's own. */
    public FrontendBus(XenStore store, String home, DeviceRegistry registry) throws XenStoreException {
        this.store = store;
        this.home = home;
        this.registry = registry;
        this.busThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "xenpv-xenbus-bus"));
        this.watch = store.watch(under(home, "device"), path -> busThread.execute(this::rescan));
    }

    /** {@code path} under {@code home}, which may be {@link #RELATIVE_HOME}. */
    static String under(String home, String path) {
        return home.isEmpty() ? path : home + "/" + path;
    }

    /** Brings the published devices in line with XenStore. */
    synchronized void rescan() {
        Map<String, BusDevice> present = new LinkedHashMap<>();
        try {
            for (String deviceClass : children(under(home, "device"))) {
                for (String id : children(under(home, "device/" + deviceClass))) {
                    device(deviceClass, id).ifPresent(device -> present.put(device.nodePath(), device));
                }
            }
        } catch (XenStoreException e) {
            LOG.warn("XenBus scan of {} failed: {}", under(home, "device"), e.getMessage());
            return;
        }
        for (String node : List.copyOf(published.keySet())) {
            BusDevice now = present.get(node);
            BusDevice before = published.get(node).device();
            if (now == null || !now.backendPath().equals(before.backendPath())
                    || now.backendDomid() != before.backendDomid()) {
                published.remove(node).publication().unpublish();
                LOG.info("XenBus device {} removed", before.busId());
            }
        }
        present.forEach((node, device) -> {
            if (!published.containsKey(node)) {
                published.put(node, new Published(device, registry.publish(device, properties(device))));
                LOG.info("XenBus device {} added", device);
            }
        });
    }

    private List<String> children(String path) throws XenStoreException {
        try {
            return store.directory(path).stream().filter(name -> NAME.matcher(name).matches()).toList();
        } catch (XenStoreException e) {
            if (e.error() == XsError.ENOENT) {
                return List.of();
            }
            throw e;
        }
    }

    /** The device at a node once the toolstack has named its backend; its values come from dom0, so checked. */
    private Optional<BusDevice> device(String deviceClass, String id) throws XenStoreException {
        String node = under(home, "device/" + deviceClass + "/" + id);
        Optional<String> backend = store.readIfExists(node + "/backend");
        Optional<String> backendId = store.readIfExists(node + "/backend-id");
        if (backend.isEmpty() || backendId.isEmpty()) {
            return Optional.empty();
        }
        String backendPath = backend.get().trim();
        String backendIdText = backendId.get().trim();
        int backendDomid = -1;
        // At most five ASCII digits: no sign, no other script's digits, no overflow.
        if (backendIdText.length() <= 5 && BusDevice.isAsciiDigits(backendIdText)) {
            backendDomid = Integer.parseInt(backendIdText);
        }
        if (!backendPath.startsWith("/") || backendPath.contains("//") || backendDomid < 0
                || backendDomid > MAX_DOMID) {
            LOG.warn("XenBus device {}: ignored, malformed backend '{}' / backend-id '{}'", node, backendPath,
                    backendId.get());
            return Optional.empty();
        }
        return Optional.of(new BusDevice(store, home, deviceClass, id, backendPath, backendDomid));
    }

    private static Map<String, Object> properties(BusDevice device) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(XenBusDevice.PROPERTY_CLASS, device.deviceClass());
        properties.put(XenBusDevice.PROPERTY_ID, device.id());
        properties.put(XenBusDevice.PROPERTY_NODE, device.nodePath());
        properties.put(XenBusDevice.PROPERTY_BACKEND, device.backendPath());
        properties.put(XenBusDevice.PROPERTY_BACKEND_DOMID, device.backendDomid());
        return properties;
    }

    /** The devices published now. */
    public synchronized List<XenBusDevice> devices() {
        return published.values().stream().map(p -> (XenBusDevice) p.device()).toList();
    }

    /** Stops watching and unpublishes every device. */
    @Override
    public void close() {
        watch.close();
        busThread.shutdown();
        try {
            busThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            published.values().forEach(p -> p.publication().unpublish());
            published.clear();
        }
    }
}
