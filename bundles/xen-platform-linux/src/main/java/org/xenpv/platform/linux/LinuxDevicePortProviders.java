package org.xenpv.platform.linux;

import java.io.IOException;

import org.xenpv.platform.linux.internal.LinuxDevicePorts;
import org.xenpv.platform.spi.DevicePortProvider;

/** Opens the Linux provider of the device ports without OSGi. */
public final class LinuxDevicePortProviders {
    private LinuxDevicePortProviders() {
    }

    /**
     * The provider on the standard /dev/xen and /sys of a Xen guest, with the
     * defaults the component has; the layers' standalone factories (for example
     * {@code StandaloneGrantTable.open(provider.openGrantAllocPort(), owner)}) run over it.
     *
     * @throws IOException when this is not a Xen guest or a device cannot be opened
     */
    public static DevicePortProvider standard() throws IOException {
        return LinuxDevicePorts.standard();
    }
}
