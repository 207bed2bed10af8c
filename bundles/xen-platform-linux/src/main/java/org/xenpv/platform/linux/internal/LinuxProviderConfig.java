package org.xenpv.platform.linux.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "xenpv Linux device-port provider",
        description = "Where the guest kernel's Xen devices and sysfs are.")
@interface LinuxProviderConfig {
    String PID = "org.xenpv.platform.linux";

    @AttributeDefinition(description = "Directory of the Xen character devices (privcmd, evtchn, gntalloc, xenbus)")
    String devRoot() default "/dev/xen";

    @AttributeDefinition(description = "Mount point of sysfs")
    String sysRoot() default "/sys";
}
