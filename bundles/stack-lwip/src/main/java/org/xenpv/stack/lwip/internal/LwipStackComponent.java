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
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.xenpv.net.Nic;
import org.xenpv.stack.lwip.IpStack;

/**
 * One stack per factory configuration: an IPv4 address in this JVM's lwIP on
 * the Nic that {@code nic.target} chooses. The stack is made when the first
 * such Nic comes, and is registered then as an {@link IpStack} service with
 * the Nic's name and the address as service properties (which is why it is
 * registered here rather than by DS), also when it FAILED (lwIP missing), so
 * that the console shows why. Until that first Nic there is no stack and no
 * service: a server waiting for it waits.
 *
 * <p>The Nic reference is dynamic: when the Nic goes (its driver updated or
 * stopped, its vif unplugged), the stack stays, DETACHED with its link down,
 * keeping its interface, addresses and sockets, and the next Nic the filter
 * chooses is attached to it (greedy: a better-ranked one replaces the bound
 * one). A configuration change makes the component anew (DS deactivates and
 * activates it): the stack and its sockets go, a new one comes. SCR calls the
 * bind and unbind methods on its threads, maybe concurrently with each other
 * and with deactivation; they are serialised here.
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

    private final StackAddress address;
    private final BundleContext context;
    private LwipStack stack;
    private ServiceRegistration<IpStack> registration;
    private String registeredNic;
    private boolean deactivated;

    @Activate
    public LwipStackComponent(Config config, BundleContext context) {
        if (config.nic_target() == null || config.nic_target().isBlank()) {
            throw new IllegalArgumentException("configuration " + IpStack.FACTORY_PID + " needs the key "
                    + IpStack.KEY_NIC_TARGET + " (a filter such as (nic.device=vif-0))");
        }
        this.address = StackAddress.parse(config.address(), config.gateway());
        this.context = context;
    }

    @Reference(name = "nic", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindNic(Nic nic) {
        if (deactivated) {
            return;
        }
        if (stack == null) {
            stack = new LwipStack(nic, address.address(), address.prefixLength(), address.gateway());
            registration = context.registerService(IpStack.class, stack, properties(nic.name()));
            registeredNic = nic.name();
            return;
        }
        stack.attach(nic);
        if (!nic.name().equals(registeredNic)) {
            registration.setProperties(properties(nic.name()));
            registeredNic = nic.name();
        }
    }

    synchronized void unbindNic(Nic nic) {
        if (stack != null && !deactivated) {
            stack.detach(nic);
        }
    }

    private Dictionary<String, Object> properties(String nicName) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(Nic.PROPERTY_DEVICE, nicName);
        properties.put(IpStack.PROPERTY_ADDRESS, address.address().getHostAddress());
        return properties;
    }

    /** The service goes first, then every socket and the interface (its Nic's receiver and listener with it). */
    @Deactivate
    synchronized void deactivate() {
        deactivated = true;
        if (stack == null) {
            return;
        }
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework unregisters a stopping bundle's services itself
        }
        stack.close();
    }
}
