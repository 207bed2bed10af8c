package org.xenpv.sim;

/**
 * What one simulated domain holds now.
 *
 * @param domid the domain
 * @param name its name
 * @param grantsActive pages it grants that are usable by their grantee
 * @param grantsDeferred grants it ended while the grantee still used them; they end when the grantee lets go
 * @param grantMappingsHeld other domains' grants that it maps now
 * @param eventChannelsOpen its event-channel ports that are allocated
 */
public record DomainAccounting(int domid, String name, int grantsActive, int grantsDeferred,
        int grantMappingsHeld, int eventChannelsOpen) {

    /** True when the domain holds no grant, mapping or port. */
    public boolean isIdle() {
        return grantsActive == 0 && grantsDeferred == 0 && grantMappingsHeld == 0 && eventChannelsOpen == 0;
    }
}
