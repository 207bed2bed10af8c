package org.xenpv.xenbus;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

import org.osgi.annotation.versioning.ProviderType;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.xenstore.XenStoreException;

/**
 * A device on XenBus, seen from the frontend: its nodes, its backend's, and
 * the XenbusState handshake. Values read from the backend come from another
 * domain: the typed readers check them and fail with EINVAL when malformed.
 */
@ProviderType
public interface XenBusDevice {
    /** Service property: the device class, for example "vif". */
    String PROPERTY_CLASS = "xenbus.class";
    /** Service property: the device id within its class, for example "0". */
    String PROPERTY_ID = "xenbus.id";
    /**
     * Service property: the frontend directory, relative to this domain's home ("device/vif/0") so that
     * it stays right when a restore or migration gives the domain a new domid.
     */
    String PROPERTY_NODE = "xenbus.node";
    /** Service property: the backend directory. */
    String PROPERTY_BACKEND = "xenbus.backend";
    /** Service property: the backend's domain id (Integer). */
    String PROPERTY_BACKEND_DOMID = "xenbus.backend.domid";

    String deviceClass();

    String id();

    /** The bus id the kernel uses, for example "vif-0". */
    default String busId() {
        return deviceClass() + "-" + id();
    }

    /** The frontend directory: {@code device/<class>/<id>}, relative to this domain's home. */
    String nodePath();

    String backendPath();

    int backendDomid();

    /** The frontend's state as written in its {@code state} node (UNKNOWN when absent or malformed). */
    XenbusState state() throws XenStoreException;

    /** Writes the frontend's {@code state} node. */
    void switchState(XenbusState state) throws XenStoreException;

    /** The backend's state (UNKNOWN when absent or malformed). */
    XenbusState backendState() throws XenStoreException;

    /**
     * Calls {@code listener} with the backend's state now and after every event
     * that may have changed it, until the returned handle is closed. The same
     * state may be told again (events are coalesced, and the state is read
     * when one is delivered): a driver acts on the state it reads, never on
     * whether it changed.
     */
    AutoCloseable observeBackendState(BackendStateListener listener) throws XenStoreException;

    /**
     * Waits until the backend is in one of {@code states}.
     *
     * @return the state it reached
     * @throws TimeoutException when it did not within {@code timeout}
     */
    XenbusState awaitBackendState(Set<XenbusState> states, Duration timeout)
            throws XenStoreException, TimeoutException, InterruptedException;

    /** A frontend key, for example "mac". */
    Optional<String> read(String key) throws XenStoreException;

    /** A backend key. */
    Optional<String> readBackend(String key) throws XenStoreException;

    /**
     * A backend key holding an unsigned decimal number.
     *
     * @return empty when absent
     * @throws XenStoreException EINVAL when present but not a number in 0..Integer.MAX_VALUE
     */
    Optional<Integer> readBackendInt(String key) throws XenStoreException;

    /** True when the backend advertises {@code feature-<name>} = 1. */
    boolean backendFeature(String name) throws XenStoreException;

    /** Every feature the backend advertises as {@code feature-<name>} = 1, by name. */
    Set<String> backendFeatures() throws XenStoreException;

    /**
     * Binds a driver to the device, one at a time as a bus binds its devices: the stage completes once
     * every earlier driver has closed its binding. A driver instance that closes the device in the
     * background (its bundle updated, its configuration changed) thus finishes before the next one starts
     * the handshake. The stage may complete on the thread that closed the earlier binding.
     */
    CompletionStage<DriverBinding> bindDriver();

    /** A driver's hold on its device, from {@link #bindDriver()}; closing it (once is enough) lets the next in. */
    interface DriverBinding extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Reports a device error where the toolstack looks for it
     * ({@code error/device/<class>/<id>/error} under the guest's home: "errno message").
     */
    void writeError(int errno, String message) throws XenStoreException;
}
