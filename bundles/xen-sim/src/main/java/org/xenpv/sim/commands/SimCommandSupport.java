package org.xenpv.sim.commands;

import org.apache.karaf.shell.api.action.Action;
import org.xenpv.sim.SimulatedXen;

/**
 * What the sim: commands share. The simulator is injected optionally, so
 * that the commands are there and say why they cannot run when it is off
 * instead of Karaf hiding them ("command not found").
 */
abstract class SimCommandSupport implements Action {

    /** {@code sim}, or a clear error when the simulator is not running. */
    static SimulatedXen require(SimulatedXen sim) {
        if (sim == null) {
            throw new IllegalStateException("the simulator is not running: it stays off in a Xen guest"
                    + " (see the log), or it is still starting");
        }
        return sim;
    }
}
