package org.xenpv.stack.lwip;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * One open socket, as {@code ip:sockets} shows it.
 *
 * @param protocol "tcp" or "udp" (or "icmp" while a ping waits)
 * @param state "listening", "connected", "output-closed" or "bound"
 * @param remote empty for listeners and unconnected UDP sockets
 */
public record SocketInfo(String protocol, String state, InetSocketAddress local, Optional<InetSocketAddress> remote) {
}
