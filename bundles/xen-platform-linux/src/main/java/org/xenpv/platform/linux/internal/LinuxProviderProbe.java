package org.xenpv.platform.linux.internal;

import java.util.Optional;

import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks for the Xen devices once at start and enables the provider only when
 * they are there; otherwise says why in one line, so a machine without Xen
 * gets an explanation rather than a stack trace.
 */
@Component(immediate = true, configurationPid = LinuxProviderConfig.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = LinuxProviderConfig.class)
public final class LinuxProviderProbe {
    private static final Logger LOG = LoggerFactory.getLogger(LinuxProviderProbe.class);

    private final ComponentContext context;
    private final boolean enabled;

    @Activate
    public LinuxProviderProbe(ComponentContext context, LinuxProviderConfig config) {
        this.context = context;
        Optional<String> reason = LinuxXenDevices.of(config).whyUnavailable();
        if (reason.isPresent()) {
            LOG.info("xenpv Linux provider inactive: {}", reason.get());
            enabled = false;
        } else {
            context.enableComponent(LinuxDevicePorts.class.getName());
            enabled = true;
        }
    }

    @Deactivate
    void deactivate() {
        if (enabled) {
            context.disableComponent(LinuxDevicePorts.class.getName());
        }
    }
}
