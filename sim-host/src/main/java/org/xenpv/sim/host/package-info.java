/**
 * A whole simulated Xen host in one JVM, for tests and benchmarks: the
 * simulator's hypervisor, XenStore server, toolstack and netback in dom0, and
 * guests that each run the real stack above their device ports (grant table,
 * event channels, XenStore client, XenBus, netfront) through the layers'
 * standalone factories, without OSGi.
 *
 * <pre>{@code
 * try (SimulatedHost host = SimulatedHost.builder().guests(2).vifs(1).queues(2).start()) {
 *     Nic one = host.guest(1).nic("vif-0");
 *     Nic two = host.guest(2).nic("vif-0");
 *     two.setReceiver((queue, frame, offload) -> ...);
 *     one.send(frame, Offload.NONE);
 * }
 * }</pre>
 *
 * This is the supported way for code outside the driver's bundles to run the
 * stack; nothing here reaches into a bundle's internal package. It is a plain
 * library for the class path of tests and tools, not a bundle: the simulator's
 * types it returns are private to the xen-sim bundle.
 */
package org.xenpv.sim.host;
