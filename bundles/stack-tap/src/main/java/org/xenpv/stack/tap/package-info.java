/**
 * The TAP stack: a Nic handed to the guest kernel as a Linux TAP interface.
 * Each instance is a factory configuration of {@link org.xenpv.stack.tap.TapStack#FACTORY_PID}
 * and is registered as a {@link org.xenpv.stack.tap.TapStack} service.
 */
@Export
@Version("1.0.0")
package org.xenpv.stack.tap;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
