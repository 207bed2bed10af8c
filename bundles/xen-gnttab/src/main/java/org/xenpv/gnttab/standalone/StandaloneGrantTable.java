package org.xenpv.gnttab.standalone;

import org.osgi.annotation.versioning.ProviderType;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.platform.spi.GrantAllocPort;

/**
 * A grant table outside OSGi: the supported way to run this layer without a
 * framework (the simulated host of tests and benchmarks, tools such as the
 * real-Xen probe). It behaves as the bundle-scoped service does for one bundle,
 * and {@link #close()} does what that bundle's release of the service does.
 */
@ProviderType
public interface StandaloneGrantTable extends GrantTable, AutoCloseable {

    /**
     * A grant table over {@code port}, which it owns from now on.
     *
     * @param port a grant-allocation port of a {@link org.xenpv.platform.spi.DevicePortProvider}
     * @param owner the name its grants are counted under (a bundle's symbolic name in OSGi)
     */
    static StandaloneGrantTable open(GrantAllocPort port, String owner) {
        return new OwnLedgerGrantTable(port, owner);
    }

    /**
     * Revokes every page still granted and closes the port at once: pages their domain still holds go to the
     * kernel (or the simulator's stand-in), which ends them when it lets go, and a warning says how many. The
     * bundle-scoped service instead keeps counting them until they end.
     */
    @Override
    void close();
}
