package org.xenpv.stack.lwip;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One Nic with an address in the in-JVM TCP/IP stack. Sockets made here are
 * bound to this stack's interface: they see only its Nic's traffic. The
 * interface, its addresses and its sockets outlive the Nic: when the Nic goes
 * and another that the configuration's {@code nic.target} chooses comes (its
 * driver updated, for instance), the stack runs on the new one and its
 * connections go on.
 */
@ProviderType
public interface IpStack {
    /** Factory PID of the configurations that make stacks. */
    String FACTORY_PID = "org.xenpv.stack.lwip";
    /** Configuration key: an LDAP filter choosing the Nic, for example (nic.device=vif-0). */
    String KEY_NIC_TARGET = "nic.target";
    /** Configuration key: the IPv4 address and prefix length, for example 192.0.2.2/24. */
    String KEY_ADDRESS = "address";
    /** Configuration key (optional): the IPv4 default gateway. */
    String KEY_GATEWAY = "gateway";
    /** Service property: the IPv4 address as text. */
    String PROPERTY_ADDRESS = "ip.address";

    /** Whether the stack carries traffic. */
    enum State {
        /** The interface is in the stack; traffic flows while the Nic is ACTIVE and its link up. */
        RUNNING,
        /**
         * The stack cannot carry traffic: {@link #failure()} says why (lwIP missing, for good; or its Nic
         * feeds another stack, until a Nic is attached).
         */
        FAILED,
        /** The configuration or the bundle went away; every socket is closed. */
        CLOSED,
        /**
         * Its Nic went away: the link is down, the addresses and sockets stay until a Nic that
         * {@code nic.target} chooses comes back. Since 1.1.
         */
        DETACHED
    }

    /** The interface's name in the stack (two letters and a number, as lwIP names them). */
    String interfaceName();

    /** The name of the Nic it runs on (when DETACHED: the one it ran on last). */
    String nicName();

    State state();

    Optional<String> failure();

    Inet4Address address();

    int prefixLength();

    Optional<Inet4Address> gateway();

    /** The IPv6 link-local address made from the Nic's MAC. */
    Inet6Address linkLocalAddress();

    /**
     * Listens for TCP connections on {@code port} of this stack's addresses (IPv4 and IPv6).
     *
     * @param backlog connections accepted by the stack but not yet by {@link TcpListener#accept}
     * @throws IOException when the port is taken or the stack has no room for another socket
     */
    TcpListener listen(int port, int backlog) throws IOException;

    /**
     * Opens a TCP connection.
     *
     * @throws java.net.SocketTimeoutException when not connected within {@code timeout}
     * @throws java.net.ConnectException when refused or unreachable
     */
    TcpConnection connect(InetSocketAddress remote, Duration timeout) throws IOException;

    /** Opens a UDP socket on {@code port} (0: any free port). */
    UdpSocket openUdp(int port) throws IOException;

    /**
     * Sends one ICMP (or ICMPv6) echo request and waits for its reply.
     *
     * @return the round-trip time, or empty when no reply came within {@code timeout}
     */
    Optional<Duration> ping(InetAddress target, Duration timeout) throws IOException;

    /** The sockets open on this stack now. */
    List<SocketInfo> sockets();

    /** Frames and errors between the Nic and the stack. */
    Counters counters();

    /**
     * @param fromNic frames the Nic delivered to the stack
     * @param fromNicDropped frames the stack could not take (no memory, or a blank checksum it could not complete)
     * @param toNic frames the stack sent that the Nic queued
     * @param toNicDropped frames the Nic did not take (not ACTIVE, queue full, too large)
     */
    record Counters(long fromNic, long fromNicDropped, long toNic, long toNicDropped) {
    }
}
