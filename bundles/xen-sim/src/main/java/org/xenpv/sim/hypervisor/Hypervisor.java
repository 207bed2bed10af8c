package org.xenpv.sim.hypervisor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.xenpv.abi.grant.Grants;
import org.xenpv.platform.spi.Errno;

/**
 * The simulated hypervisor: domains, each with its grant table and event
 * channels. Operations take the acting domain explicitly, as a hypercall is
 * always made by some domain, and the rules checked are Xen's.
 */
public final class Hypervisor {
    private final HypervisorLimits limits;
    private final Map<Integer, Domain> domains = new ConcurrentHashMap<>();

    public Hypervisor(HypervisorLimits limits) {
        this.limits = limits;
    }

    public HypervisorLimits limits() {
        return limits;
    }

    /** Creates domain {@code domid}; dom0 is created like any other. */
    public Domain createDomain(int domid, String name) throws HypervisorException {
        if (!Grants.isRegularDomain(domid)) {
            throw new HypervisorException(Errno.EINVAL, "not a regular domain id: " + domid);
        }
        Domain domain = new Domain(this, domid, name);
        if (domains.putIfAbsent(domid, domain) != null) {
            throw new HypervisorException(Errno.EEXIST, "domain " + domid + " exists");
        }
        return domain;
    }

    public Optional<Domain> domain(int domid) {
        return Optional.ofNullable(domains.get(domid));
    }

    /** The domain, or null: for paths taken per event, where an Optional would be an allocation. */
    Domain domainOrNull(int domid) {
        return domains.get(domid);
    }

    Domain requireDomain(int domid) throws HypervisorException {
        Domain domain = domains.get(domid);
        if (domain == null) {
            throw new HypervisorException(Errno.ESRCH, "no domain " + domid);
        }
        return domain;
    }

    /** Domains in domid order. */
    public List<Domain> domains() {
        List<Domain> list = new ArrayList<>(domains.values());
        list.sort(Comparator.comparingInt(Domain::domid));
        return list;
    }

    /**
     * Destroys a domain: its event channels close (their peers see them
     * unbound) and its grants are revoked for new mappings; pages that peers
     * still map stay readable by them until they unmap, as in Xen.
     */
    public void destroyDomain(int domid) throws HypervisorException {
        Domain domain = requireDomain(domid);
        domain.events().closeAll();
        domain.grants().revokeAll();
        domains.remove(domid, domain);
    }
}
