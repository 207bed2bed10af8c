package org.xenpv.sim;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** The running simulator: which domain this JVM's stack plays, and what every domain holds. */
@ProviderType
public interface SimulatedXen {

    /** The domain whose device ports the stack in this JVM uses. */
    int guestDomid();

    /** Every domain, dom0 included, in domid order. */
    List<DomainAccounting> accounting();

    /** One domain, when it exists. */
    Optional<DomainAccounting> accounting(int domid);

    /** The Unix socket where dom0's tools reach the simulated XenStore (point XENSTORED_PATH at it). */
    java.nio.file.Path xenstoreSocket();

    /**
     * Creates another guest domain (the toolstack's domain creation); no
     * stack runs in it, but its vifs join the switch.
     *
     * @return its domid
     */
    int createGuest() throws java.io.IOException;

    /**
     * Adds a vif to a guest at run time, as {@code xl network-attach} does.
     *
     * @return the vif's handle
     * @throws IllegalArgumentException when there is no such guest
     */
    int addVif(int guestDomid) throws java.io.IOException;

    /**
     * Hot-unplugs a vif, as {@code xl network-detach} does, and waits until it
     * is gone (the frontend closed, or the unplug timeout passed).
     *
     * @throws IllegalArgumentException when the guest has no such vif
     */
    void removeVif(int guestDomid, int handle) throws java.io.IOException;

    /** Every vif of every simulated guest. */
    List<SimulatedVif> vifs();

    /**
     * The lies a simulated backend can be told to write, by name (event
     * storms, producers ahead or going back, truncated packets, endless extra
     * chains, bad ids, offsets outside the page).
     *
     * @since 1.2
     */
    List<String> backendFaults();

    /**
     * Makes queue {@code queue} of a vif's backend write {@code fault} (one of
     * {@link #backendFaults()}, case ignored), as a hostile netback would.
     *
     * @throws IllegalArgumentException when there is no such vif, connected queue or fault
     * @since 1.2
     */
    void injectBackendFault(int guestDomid, int handle, int queue, String fault);

    /**
     * Ends the event storms of a vif's backend.
     *
     * @throws IllegalArgumentException when the guest has no such vif
     * @since 1.2
     */
    void calmBackend(int guestDomid, int handle);

    /**
     * Makes a vif's backend vanish: it stops and its XenStore directory is removed, with no state change
     * first, as when a driver domain dies. The frontend directory stays.
     *
     * @throws IllegalArgumentException when the guest has no such vif
     * @since 1.3
     */
    void vanishBackend(int guestDomid, int handle);

    /**
     * Makes a vif's backend drop its connection and flip its state {@code flips} times, one every
     * {@code intervalMillis} (Connected, Closing, Closed, InitWait), then settle as a restarted backend.
     *
     * @return how many of the flips were to InitWait
     * @throws IllegalArgumentException when the guest has no such vif, or a count is negative
     * @since 1.3
     */
    int flapBackend(int guestDomid, int handle, int flips, long intervalMillis);

    /**
     * Restarts a vif's backend, as a netback reload or a migration does: the
     * backend disconnects and goes Closed, and once the frontend has let go a
     * new backend offers InitWait. Returns when the new backend is there (the
     * frontend reconnects to it on its own).
     *
     * @throws IllegalArgumentException when the guest has no such vif
     * @throws IOException when the frontend did not let go within the unplug timeout
     * @since 1.4
     */
    void restartBackend(int guestDomid, int handle) throws java.io.IOException;

    /**
     * What every vif backend has counted since the simulator started, the
     * backends of removed vifs and those replaced by a restart included, and
     * the switch's frames that found no port: the far side of a frontend's
     * counters, for checking that no frame goes uncounted.
     *
     * @since 1.4
     */
    BackendTotals backendTotals();
}
