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
}
