package org.xenpv.sim.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the simulator only off Xen: in a Xen guest the Linux provider
 * serves, and exactly one provider must be active.
 */
@Component(immediate = true, configurationPid = SimulatorGate.PID)
@Designate(ocd = SimulatorGate.Config.class)
public final class SimulatorGate {
    static final String PID = "org.xenpv.sim.gate";
    private static final Logger LOG = LoggerFactory.getLogger(SimulatorGate.class);

    @ObjectClassDefinition(name = "xenpv simulator gate")
    public @interface Config {
        @AttributeDefinition(description = "Run the simulator even in a Xen guest (the Linux provider then"
                + " competes with it: for experiments only)")
        boolean runOnXen() default false;
    }

    private final ComponentContext context;
    private final boolean enabled;

    @Activate
    public SimulatorGate(ComponentContext context, Config config) {
        this.context = context;
        if (isXenGuest() && !config.runOnXen()) {
            LOG.info("xenpv simulator stays off: this is a Xen guest with /dev/xen, where the Linux provider serves");
            enabled = false;
        } else {
            context.enableComponent(Simulator.class.getName());
            enabled = true;
        }
    }

    static boolean isXenGuest() {
        try {
            return Files.readString(Path.of("/sys/hypervisor/type"), StandardCharsets.US_ASCII).trim().equals("xen")
                    && Files.exists(Path.of("/dev/xen/privcmd"));
        } catch (IOException e) {
            return false;
        }
    }

    @Deactivate
    void deactivate() {
        if (enabled) {
            context.disableComponent(Simulator.class.getName());
        }
    }
}
