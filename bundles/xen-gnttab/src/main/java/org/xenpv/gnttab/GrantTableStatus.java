package org.xenpv.gnttab;

import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/** What every bundle grants now, for consoles and leak checks. */
@ProviderType
public interface GrantTableStatus {

    /** Pages granted now, over all bundles. */
    int grantsOutstanding();

    /** Pages granted now by each bundle that uses the grant table, by bundle symbolic name. */
    Map<String, Integer> grantsByBundle();
}
