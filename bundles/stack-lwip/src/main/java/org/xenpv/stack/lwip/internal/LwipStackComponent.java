package org.xenpv.stack.lwip.internal;

import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.xenpv.net.Nic;
import org.xenpv.stack.lwip.IpStack;

/**
 * One stack per factory configuration: the Nic that {@code nic.target} chooses,
 * with the configured IPv4 address, in this JVM's lwIP. The stack is registered
 * as an {@link IpStack} service with the Nic's name and the address as service
 * properties (which is why it is registered here rather than by DS), also when
 * it FAILED (lwIP missing), so that the console shows why.
 */
@Component(configurationPid = IpStack.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = LwipStackComponent.Config.class, factory = true)
public final class LwipStackComponent {
    @ObjectClassDefinition(name = "xenpv in-JVM IP stack (lwIP)",
            description = "Gives a Nic an address in the JVM's own TCP/IP stack")
    public @interface Config {
        @AttributeDefinition(name = IpStack.KEY_NIC_TARGET,
                description = "Filter choosing the Nic, for example (nic.device=vif-0)")
        String nic_target();

        @AttributeDefinition(name = IpStack.KEY_ADDRESS,
                description = "IPv4 address and prefix length, for example 192.0.2.2/24")
        String address();

        @AttributeDefinition(name = IpStack.KEY_GATEWAY, required = false,
                description = "IPv4 default gateway (optional)")
        String gateway() default "";
    }

    private final LwipStack stack;
    private final ServiceRegistration<IpStack> registration;

    @Activate
    public LwipStackComponent(@Reference(name = "nic") Nic nic, Config config, BundleContext context) {
        if (config.nic_target() == null || config.nic_target().isBlank()) {
            throw new IllegalArgumentException("configuration " + IpStack.FACTORY_PID + " needs the key "
                    + IpStack.KEY_NIC_TARGET + " (a filter such as (nic.device=vif-0))");
        }
        StackAddress parsed = StackAddress.parse(config.address(), config.gateway());
        this.stack = new LwipStack(nic, parsed.address(), parsed.prefixLength(), parsed.gateway());
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(Nic.PROPERTY_DEVICE, nic.name());
        properties.put(IpStack.PROPERTY_ADDRESS, parsed.address().getHostAddress());
        this.registration = context.registerService(IpStack.class, stack, properties);
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework unregisters a stopping bundle's services itself
        }
        stack.close();
    }
}
