package org.xenpv.commands;

import org.apache.karaf.shell.api.action.Action;

/**
 * What the xenpv commands share. Their services are injected optionally, so
 * that a command is always there and says what is missing instead of Karaf
 * hiding it ("command not found") while a provider is not installed or not
 * active yet.
 */
abstract class XenCommandSupport implements Action {

    /** {@code service}, or a clear error naming it when Karaf had none to inject. */
    static <T> T require(T service, Class<T> type) {
        if (service == null) {
            throw new IllegalStateException("no " + type.getSimpleName() + " service: xenpv needs a provider,"
                    + " xenpv-sim or (on a Xen guest) xenpv-platform-linux, installed and active");
        }
        return service;
    }
}
