package org.xenpv.gnttab.internal;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The grant table's MXBean, which Karaf's JMX whiteboard registers by its {@code jmx.objectname}. */
@Component(service = GrantTableManagementMXBean.class, property = "jmx.objectname=org.xenpv:type=GrantTable")
public final class GrantTableManagement implements GrantTableManagementMXBean {
    private final GrantLedger ledger;

    @Activate
    public GrantTableManagement(@Reference GrantLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public int getGrantsOutstanding() {
        return ledger.grantsOutstanding();
    }

    @Override
    public Map<String, Integer> getGrantsByBundle() {
        return ledger.grantsByBundle();
    }

    @Override
    public long getRevocationsDeferred() {
        return ledger.revocationsDeferred();
    }

    @Override
    public int getPagesHeld() {
        return ledger.pagesHeld();
    }

    @Override
    public long getRevocationsUnknown() {
        return ledger.revocationsUnknown();
    }
}
