package org.xenpv.stack.tap.internal;

import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.net.Nic;
import org.xenpv.net.tap.TapDevice;
import org.xenpv.net.tap.TapException;
import org.xenpv.stack.tap.TapStack;

/**
 * One TAP stack per factory configuration: the Nic that {@code nic.target}
 * chooses, as the TAP interface {@code interface}. The interface lives as
 * long as this component: it goes with the configuration, the Nic or the
 * bundle, and comes back with the Nic.
 */
@Component(configurationPid = TapStack.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = TapStack.class)
@Designate(ocd = TapStackComponent.Config.class, factory = true)
public final class TapStackComponent implements TapStack {
    private static final Logger LOG = LoggerFactory.getLogger(TapStackComponent.class);

    @ObjectClassDefinition(name = "xenpv TAP stack",
            description = "Hands a Nic to the guest kernel as a Linux TAP interface")
    public @interface Config {
        @AttributeDefinition(name = TapStack.KEY_NIC_TARGET,
                description = "Filter choosing the Nic, for example (nic.device=vif-0)")
        String nic_target();

        @AttributeDefinition(name = TapStack.KEY_INTERFACE,
                description = "Name of the TAP interface, for example xenpv0 (at most 15 characters)")
        String interface$();
    }

    private final Nic nic;
    private final String interfaceName;
    private final TapBridge bridge;
    private final String failure;
    private volatile boolean closed;

    @Activate
    public TapStackComponent(@Reference(name = "nic") Nic nic, Config config) {
        this.nic = nic;
        String name = config.interface$();
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("configuration " + TapStack.FACTORY_PID + " needs the key "
                    + TapStack.KEY_INTERFACE + " (the TAP interface's name)");
        }
        if (config.nic_target() == null || config.nic_target().isBlank()) {
            throw new IllegalArgumentException("configuration " + TapStack.FACTORY_PID + " needs the key "
                    + TapStack.KEY_NIC_TARGET + " (a filter such as (nic.device=vif-0))");
        }
        this.interfaceName = name.trim();
        TapBridge started = null;
        String why = null;
        TapDevice tap = null;
        try {
            tap = TapDevice.create(interfaceName);
            tap.setMacAddress(nic.macAddress().value());
            tap.setMtu(nic.mtu());
            started = new TapBridge(nic, tap);
            LOG.info("TAP stack: {} is interface {} (MAC {}, MTU {})", nic.name(), interfaceName, nic.macAddress(),
                    nic.mtu());
        } catch (TapException e) {
            why = e.getMessage();
            LOG.error("TAP stack for {}: no interface {}: {}", nic.name(), interfaceName, why);
        } catch (IllegalStateException e) {
            why = e.getMessage(); // another stack already takes this Nic's frames
            LOG.error("TAP stack for {}: no interface {}: {}", nic.name(), interfaceName, why);
        } finally {
            if (started == null && tap != null) {
                tap.close();
            }
        }
        this.bridge = started;
        this.failure = why;
    }

    @Deactivate
    void deactivate() {
        closed = true;
        if (bridge != null) {
            bridge.close();
            LOG.info("TAP stack: interface {} of {} removed", interfaceName, nic.name());
        }
    }

    @Override
    public String interfaceName() {
        return interfaceName;
    }

    @Override
    public String nicName() {
        return nic.name();
    }

    @Override
    public State state() {
        return bridge == null ? State.FAILED : closed ? State.CLOSED : State.RUNNING;
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public Counters counters() {
        return bridge == null ? new Counters(0, 0, 0, 0, 0, 0) : bridge.counters();
    }
}
