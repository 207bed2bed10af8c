package org.xenpv.xenstore.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.xenpv.xenstore.XenStore;

/** The XenStore service, one per using bundle: what a bundle left open ends when it lets go. */
@Component(service = XenStore.class, scope = ServiceScope.BUNDLE)
public final class BundleXenStore extends XenStoreClient {

    @Activate
    public BundleXenStore(@Reference SharedXenStoreConnection shared) {
        super(shared.connection());
    }

    @Deactivate
    void deactivate() {
        release();
    }
}
