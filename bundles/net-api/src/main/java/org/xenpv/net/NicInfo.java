package org.xenpv.net;

import java.util.Optional;
import java.util.Set;

/**
 * Describes a device (HelenOS: nic_device_info_t).
 *
 * @param driver the driver, for example "xen-netfront"
 * @param device the device's name, for example "vif-0"
 * @param backendDomain the domain of the backend, or -1 for a device without one
 * @param features the features negotiated with the backend, by their XenStore names
 * @param brokenReason why the device was marked broken, when it was
 */
public record NicInfo(String driver, String device, int backendDomain, Set<String> features,
        Optional<String> brokenReason) {
    public NicInfo {
        features = Set.copyOf(features);
    }
}
