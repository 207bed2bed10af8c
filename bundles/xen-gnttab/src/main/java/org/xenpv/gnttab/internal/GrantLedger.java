package org.xenpv.gnttab.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.xenpv.gnttab.GrantTableStatus;

/**
 * Knows every bundle's grant table, to answer for all of them, and keeps the
 * table of a bundle that let go while its pages were still held by another
 * domain, counting them until they are let go.
 */
@Component(service = {GrantLedger.class, GrantTableStatus.class})
public final class GrantLedger implements GrantTableStatus {
    private final Set<BundleGrantTable> tables = ConcurrentHashMap.newKeySet();
    private final LongAdder revocationsDeferred = new LongAdder();
    private final LongAdder revocationsUnknown = new LongAdder();

    void register(BundleGrantTable table) {
        tables.add(table);
    }

    void unregister(BundleGrantTable table) {
        tables.remove(table);
    }

    @Override
    public int grantsOutstanding() {
        return tables.stream().mapToInt(BundleGrantTable::grantsOutstanding).sum();
    }

    @Override
    public Map<String, Integer> grantsByBundle() {
        Map<String, Integer> byBundle = new TreeMap<>();
        for (BundleGrantTable table : tables) {
            byBundle.merge(table.owner(), table.grantsOutstanding(), Integer::sum);
        }
        return byBundle;
    }

    @Override
    public int pagesHeld() {
        return tables.stream().mapToInt(BundleGrantTable::pagesHeld).sum();
    }

    @Override
    public long revocationsUnknown() {
        return revocationsUnknown.sum();
    }

    void revocationUnknown() {
        revocationsUnknown.increment();
    }

    /** The grant table stops: tables kept for held pages close their devices, and the kernel takes over. */
    @Deactivate
    void deactivate() {
        for (BundleGrantTable table : List.copyOf(tables)) {
            if (table.retired()) {
                table.closePort();
            }
        }
    }

    void revocationDeferred() {
        revocationsDeferred.increment();
    }

    /** Revocations, since start, whose end had to wait for the peer to let go of the pages. */
    long revocationsDeferred() {
        return revocationsDeferred.sum();
    }
}
