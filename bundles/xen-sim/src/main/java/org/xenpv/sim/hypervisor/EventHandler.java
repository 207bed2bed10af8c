package org.xenpv.sim.hypervisor;

/**
 * Receives the upcall for an event on a port. It runs on the thread of the
 * domain that sent the event, so it must only record and wake, never block
 * or do the work itself.
 */
@FunctionalInterface
public interface EventHandler {
    void onEvent(int port);
}
