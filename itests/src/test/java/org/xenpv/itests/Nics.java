package org.xenpv.itests;

import java.util.Collection;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;

/**
 * Finding the distribution's Nics. Apart from {@link XenpvTestSupport} on
 * purpose: tests on a stock Karaf without the Nic API (FeaturesIT) must not
 * inherit a method that names its types.
 */
final class Nics {
    private Nics() {
    }

    /** The Nic named {@code name} once it is ACTIVE (waiting up to {@link XenpvTestSupport#WAIT_MILLIS}). */
    static Nic active(BundleContext context, String name) throws InterruptedException {
        AtomicReference<Nic> found = new AtomicReference<>();
        XenpvTestSupport.waitFor(name + " ACTIVE", () -> {
            try {
                Collection<ServiceReference<Nic>> refs = context.getServiceReferences(Nic.class,
                        "(nic.device=" + name + ")");
                if (refs.isEmpty()) {
                    return false;
                }
                found.set(context.getService(refs.iterator().next()));
                return found.get() != null && found.get().state() == NicState.ACTIVE;
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        });
        return found.get();
    }
}
