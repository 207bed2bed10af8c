package org.xenpv.sim.hypervisor;

import java.util.concurrent.atomic.AtomicInteger;

/** A simulated domain: its id, name, grant table and event channels. */
public final class Domain {
    private final Hypervisor hypervisor;
    private final int domid;
    private final String name;
    private final GrantTable grants;
    private final EventChannels events;
    private final AtomicInteger mappingsHeld = new AtomicInteger();

    Domain(Hypervisor hypervisor, int domid, String name) {
        this.hypervisor = hypervisor;
        this.domid = domid;
        this.name = name;
        this.grants = new GrantTable(this, hypervisor.limits().grantEntries());
        this.events = new EventChannels(hypervisor, this, hypervisor.limits().eventChannels());
    }

    public int domid() {
        return domid;
    }

    public String name() {
        return name;
    }

    public Hypervisor hypervisor() {
        return hypervisor;
    }

    /** The pages this domain grants to others. */
    public GrantTable grants() {
        return grants;
    }

    public EventChannels events() {
        return events;
    }

    /** Grants of other domains that this domain maps now. */
    public int grantMappingsHeld() {
        return mappingsHeld.get();
    }

    void mappingAdded() {
        mappingsHeld.incrementAndGet();
    }

    void mappingRemoved() {
        mappingsHeld.decrementAndGet();
    }

    @Override
    public String toString() {
        return "domain " + domid + " (" + name + ")";
    }
}
