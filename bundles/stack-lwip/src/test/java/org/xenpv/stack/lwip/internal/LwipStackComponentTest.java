package org.xenpv.stack.lwip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.xenpv.net.Nic;
import org.xenpv.stack.lwip.IpStack;

/**
 * The component as SCR drives it: bind and unbind calls for its dynamic, greedy Nic reference, in
 * the orders SCR makes them, against a BundleContext that records the IpStack service. The Nics
 * are TAP interfaces (root needed, as for LwipStackTest), never brought up.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LwipStackComponentTest {
    private final List<TapNic> nics = new ArrayList<>();
    private final List<Dictionary<String, ?>> properties = new ArrayList<>();
    private boolean registered;
    /** The IpStack service the component registered, if any. */
    private IpStack service;
    private LwipStackComponent component;

    @BeforeEach
    void requireLwip() {
        LwipAbiConformanceTest.requireLwip();
    }

    @AfterEach
    void stop() throws Exception {
        if (component != null) {
            component.deactivate();
        }
        for (TapNic nic : nics) {
            nic.close();
        }
    }

    @Test
    void theStackComesWithTheFirstNicAndOutlivesItsReplacement() throws Exception {
        component = new LwipStackComponent(config("192.0.2.2/24"), context());
        assertNull(service, "a stack before any Nic");
        assertFalse(registered);

        TapNic first = nic("a");
        component.bindNic(first);
        IpStack stack = service;
        assertTrue(registered);
        assertEquals(IpStack.State.RUNNING, stack.state());
        assertEquals(Map.of(Nic.PROPERTY_DEVICE, "vif-test", IpStack.PROPERTY_ADDRESS, "192.0.2.2"),
                asMap(properties.get(0)));

        // a better-ranked Nic: SCR binds it before it unbinds the one bound
        TapNic second = nic("b");
        component.bindNic(second);
        component.unbindNic(first);
        assertSame(stack, service, "the same stack, still registered");
        assertEquals(IpStack.State.RUNNING, stack.state());
        assertFalse(first.hasReceiver(), "the replaced Nic still feeds the stack");
        assertTrue(second.hasReceiver());

        component.unbindNic(second);
        assertEquals(IpStack.State.DETACHED, stack.state());
        assertTrue(registered, "the service went with the Nic");
        assertFalse(second.hasReceiver());

        component.bindNic(first);
        assertEquals(IpStack.State.RUNNING, stack.state());
        assertEquals(1, properties.size(), "the service's properties changed for a Nic of the same name");

        component.deactivate();
        component.unbindNic(first); // SCR unbinds after deactivating
        component = null;
        assertFalse(registered);
        assertEquals(IpStack.State.CLOSED, stack.state());
        assertFalse(first.hasReceiver(), "the deactivated stack still takes the Nic's frames");
        assertEquals(0, first.listenerCount());
    }

    @Test
    void deactivatedBeforeAnyNicLeavesNothing() {
        component = new LwipStackComponent(config("192.0.2.3/24"), context());
        component.deactivate();
        component = null;
        assertFalse(registered);
    }

    private TapNic nic(String suffix) throws Exception {
        TapNic nic = new TapNic("xlc" + ProcessHandle.current().pid() % 100000 + suffix);
        nics.add(nic);
        return nic;
    }

    private static LwipStackComponent.Config config(String address) {
        Map<String, String> values = Map.of("nic_target", "(nic.device=vif-test)", "address", address,
                "gateway", "");
        return (LwipStackComponent.Config) Proxy.newProxyInstance(LwipStackComponentTest.class.getClassLoader(),
                new Class<?>[] {LwipStackComponent.Config.class},
                (proxy, method, args) -> values.get(method.getName()));
    }

    /** Registers one IpStack: the registration records its properties and whether it is still there. */
    @SuppressWarnings("unchecked")
    private BundleContext context() {
        ServiceRegistration<IpStack> registration = (ServiceRegistration<IpStack>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {ServiceRegistration.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "unregister" -> registered = false;
                        case "setProperties" -> properties.add((Dictionary<String, ?>) args[0]);
                        default -> throw new UnsupportedOperationException(method.getName());
                    }
                    return null;
                });
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("registerService") || args[0] != IpStack.class) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    registered = true;
                    service = (IpStack) args[1];
                    properties.add((Dictionary<String, ?>) args[2]);
                    return registration;
                });
    }

    private static Map<String, Object> asMap(Dictionary<String, ?> dictionary) {
        Map<String, Object> map = new java.util.HashMap<>();
        for (var keys = dictionary.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            map.put(key, dictionary.get(key));
        }
        return map;
    }
}
