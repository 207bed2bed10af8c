/**
 * A TCP/IP stack inside the JVM: lwIP over a Nic. Each factory configuration of
 * {@link org.xenpv.stack.lwip.IpStack#FACTORY_PID} gives one Nic an IPv4 address
 * (and always an IPv6 link-local one) and is registered as an
 * {@link org.xenpv.stack.lwip.IpStack} service, through which other bundles
 * listen, accept, connect and exchange datagrams.
 *
 * <p>Every blocking call takes a timeout, and every socket is closed when its
 * stack goes (configuration deleted or changed, bundle stopped): a thread
 * blocked in it then gets a {@link org.xenpv.stack.lwip.StackClosedException}.
 * A stack outlives its Nic: while the Nic is replaced it is
 * {@link org.xenpv.stack.lwip.IpStack.State#DETACHED}, its sockets open.
 */
@Export
@Version("1.1.0")
package org.xenpv.stack.lwip;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
