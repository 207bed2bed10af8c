package org.xenpv.stack.lwip.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.net.MacAddress;
import org.xenpv.net.Nic;
import org.xenpv.stack.lwip.IpStack;
import org.xenpv.stack.lwip.SocketInfo;
import org.xenpv.stack.lwip.StackClosedException;
import org.xenpv.stack.lwip.TcpConnection;
import org.xenpv.stack.lwip.TcpListener;
import org.xenpv.stack.lwip.UdpSocket;

/**
 * An address in this JVM's lwIP on the Nic that is attached now: its
 * interface there, and the sockets opened on it, which close with it. The
 * interface, its addresses and its sockets outlive the Nic: when the Nic goes
 * (its driver updated, say) the link is down until {@link #attach} gives it
 * the next one, and connections go on where they stopped.
 */
final class LwipStack implements IpStack {
    private static final Logger LOG = LoggerFactory.getLogger(LwipStack.class);

    private final Inet4Address address;
    private final int prefixLength;
    private final Inet4Address gateway;
    private final Inet6Address linkLocal;
    private final SocketRegistry sockets = new SocketRegistry();
    private final LwipRuntime lwip;
    private final LwipInterface netif;
    /** Why lwIP is not there: for good. */
    private final String failure;
    /** Why the last Nic offered could not be attached, until one is. */
    private volatile String attachFailure;
    /** The Nic attached now, or the one attached (or offered) last. */
    private volatile String nicName;
    private volatile boolean closed;

    /**
     * Starts the stack on {@code first}, whose MAC makes the IPv6 link-local address. When lwIP is
     * missing it is FAILED for good; when the Nic feeds another stack it is FAILED until a Nic is attached.
     */
    LwipStack(Nic first, Inet4Address address, int prefixLength, Inet4Address gateway) {
        this.address = address;
        this.prefixLength = prefixLength;
        this.gateway = gateway;
        this.nicName = first.name();
        LwipRuntime runtime = null;
        LwipInterface added = null;
        String why = null;
        int scope = 0;
        try {
            runtime = LwipRuntime.get();
            added = new LwipInterface(runtime, first.macAddress(), first.mtu(), address, prefixLength, gateway);
            scope = added.index();
        } catch (IllegalStateException e) {
            why = e.getMessage(); // lwIP missing (logged once by the runtime), or it refused the interface
            if (runtime != null) {
                LOG.error("IP stack for {}: not started: {}", first.name(), why);
            }
        }
        this.lwip = runtime;
        this.netif = added;
        this.failure = why;
        this.linkLocal = linkLocalOf(bytes(first.macAddress()), scope);
        if (added != null) {
            LOG.info("IP stack: lwIP's interface {} has {}/{}", added.name(), address.getHostAddress(), prefixLength);
            attach(first);
        }
    }

    /**
     * Runs the stack on {@code nic} from now on (the Nic attached before, if any, is detached): the
     * interface takes its MAC and MTU, and its link follows the Nic's. No effect when the stack is
     * FAILED for good or closed; when the Nic feeds another stack, the stack is FAILED, saying so.
     */
    void attach(Nic nic) {
        if (netif == null || closed) {
            return;
        }
        nicName = nic.name();
        try {
            netif.attach(nic);
            attachFailure = null;
            LOG.info("IP stack: {} runs on {} (MAC {}, MTU {})", netif.name(), nic.name(), nic.macAddress(),
                    nic.mtu());
        } catch (IllegalStateException e) {
            attachFailure = e.getMessage();
            LOG.error("IP stack {}: cannot run on {}: {}", netif.name(), nic.name(), e.getMessage());
        }
    }

    /**
     * Stops running on {@code nic} when it is the attached Nic: the link goes down, the addresses and
     * sockets stay. No effect for another Nic.
     */
    void detach(Nic nic) {
        if (netif != null && netif.detach(nic)) {
            LOG.info("IP stack: {} lost {}: link down, {} sockets kept until a Nic comes back", netif.name(),
                    nic.name(), sockets.size());
        }
    }

    /** fe80:: with the interface identifier from the MAC (EUI-64), as lwIP makes it. */
    static Inet6Address linkLocalOf(byte[] mac, int scope) {
        byte[] bytes = new byte[16];
        bytes[0] = (byte) 0xfe;
        bytes[1] = (byte) 0x80;
        bytes[8] = (byte) (mac[0] ^ 0x02);
        bytes[9] = mac[1];
        bytes[10] = mac[2];
        bytes[11] = (byte) 0xff;
        bytes[12] = (byte) 0xfe;
        bytes[13] = mac[3];
        bytes[14] = mac[4];
        bytes[15] = mac[5];
        try {
            return Inet6Address.getByAddress(null, bytes, scope);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    static byte[] bytes(MacAddress mac) {
        ByteBuffer six = ByteBuffer.allocate(6);
        mac.write(six, 0);
        return six.array();
    }

    static byte[] intOption(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array();
    }

    /** Closes every socket (their users get a StackClosedException), then takes the interface out of lwIP. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        int open = sockets.size();
        sockets.closeAll("the IP stack on " + nicName + " is closed (its configuration or its bundle went)");
        if (netif != null) {
            netif.close();
            LOG.info("IP stack: interface {} of {} removed ({} sockets closed)", netif.name(), nicName, open);
        }
    }

    private LwipInterface running() throws IOException {
        if (closed) {
            throw new StackClosedException("the IP stack on " + nicName + " is closed");
        }
        if (netif == null) {
            throw new IOException("the IP stack on " + nicName + " did not start: " + failure);
        }
        return netif;
    }

    @Override
    public String interfaceName() {
        return netif == null ? "-" : netif.name();
    }

    @Override
    public String nicName() {
        return nicName;
    }

    @Override
    public State state() {
        if (netif == null) {
            return State.FAILED;
        }
        if (closed) {
            return State.CLOSED;
        }
        if (netif.nic().isPresent()) {
            return State.RUNNING;
        }
        return attachFailure != null ? State.FAILED : State.DETACHED;
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(failure != null ? failure : attachFailure);
    }

    /** The interface in lwIP, for tests; null when FAILED for good. */
    LwipInterface netif() {
        return netif;
    }

    @Override
    public Inet4Address address() {
        return address;
    }

    @Override
    public int prefixLength() {
        return prefixLength;
    }

    @Override
    public Optional<Inet4Address> gateway() {
        return Optional.ofNullable(gateway);
    }

    @Override
    public Inet6Address linkLocalAddress() {
        return linkLocal;
    }

    @Override
    public TcpListener listen(int port, int backlog) throws IOException {
        return LwipTcpListener.open(lwip, sockets, running(), address, port, backlog);
    }

    @Override
    public TcpConnection connect(InetSocketAddress remote, Duration timeout) throws IOException {
        LwipInterface via = running();
        if (remote.isUnresolved()) {
            throw new UnknownHostException(remote.getHostString());
        }
        return LwipTcpConnection.connect(lwip, sockets, via, remote, timeout);
    }

    @Override
    public UdpSocket openUdp(int port) throws IOException {
        return LwipUdpSocket.open(lwip, sockets, running(), address, port);
    }

    @Override
    public Optional<Duration> ping(InetAddress target, Duration timeout) throws IOException {
        LwipInterface via = running();
        try (LwipPinger pinger = LwipPinger.open(lwip, sockets, via, target)) {
            return pinger.ping(timeout);
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<SocketInfo> sockets() {
        return sockets.snapshot().stream().filter(LwipSocket::isOpen).map(LwipSocket::info).toList();
    }

    @Override
    public Counters counters() {
        if (netif == null) {
            return new Counters(0, 0, 0, 0);
        }
        return new Counters(netif.fromNic.sum(), netif.fromNicDropped.sum(), netif.toNic.sum(),
                netif.toNicDropped.sum());
    }
}
