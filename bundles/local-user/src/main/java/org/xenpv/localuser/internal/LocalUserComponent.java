package org.xenpv.localuser.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the distribution's first start, gives the local user {@code karaf} a secret of its own (see {@link LocalUser})
 * and says once, in the log, where it is. Later starts find the user and do nothing.
 */
@Component(immediate = true)
public final class LocalUserComponent {
    private static final Logger LOG = LoggerFactory.getLogger(LocalUserComponent.class);

    @Activate
    public LocalUserComponent(BundleContext context) {
        String etc = context.getProperty("karaf.etc");
        if (etc == null) {
            LOG.warn("karaf.etc is not set: no local user created (is this Karaf?)");
            return;
        }
        try {
            LocalUser.provision(Path.of(etc), new SecureRandom()).ifPresent(secret -> LOG.info(
                    "xenpv: created the local user '{}' with a random password, readable by this account only in {}"
                            + " (bin/client -u {} -p <that password>; the local console needs none)",
                    LocalUser.USER, secret, LocalUser.USER));
        } catch (IOException | UnsupportedOperationException e) {
            // Fail closed: without a user, ssh and JMX accept nobody, while the local console still works.
            LOG.error("xenpv: could not create the local user in {}: {}; ssh and JMX accept no login until a user"
                    + " is added to {}/{}", etc, e.toString(), etc, LocalUser.USERS_FILE);
        }
    }
}
