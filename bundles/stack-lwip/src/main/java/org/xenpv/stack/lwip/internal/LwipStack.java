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
 * One Nic with an address in this JVM's lwIP: its interface there, and the
 * sockets opened on it, which close with it.
 */
final class LwipStack implements IpStack {
    private static final Logger LOG = LoggerFactory.getLogger(LwipStack.class);

    private final Nic nic;
    private final Inet4Address address;
    private final int prefixLength;
    private final Inet4Address gateway;
    private final Inet6Address linkLocal;
    private final SocketRegistry sockets = new SocketRegistry();
    private final LwipRuntime lwip;
    private final LwipInterface netif;
    private final String failure;
    private volatile boolean closed;

    /** Starts the stack; when lwIP is missing or the Nic feeds another stack, it is FAILED, saying why. */
    LwipStack(Nic nic, Inet4Address address, int prefixLength, Inet4Address gateway) {
        this.nic = nic;
        this.address = address;
        this.prefixLength = prefixLength;
        this.gateway = gateway;
        LwipRuntime runtime = null;
        LwipInterface added = null;
        String why = null;
        int scope = 0;
        try {
            runtime = LwipRuntime.get();
            added = new LwipInterface(runtime, nic, address, prefixLength, gateway);
            scope = added.index();
            LOG.info("IP stack: {} is lwIP's interface {} with {}/{} (MAC {})", nic.name(), added.name(),
                    address.getHostAddress(), prefixLength, nic.macAddress());
        } catch (IllegalStateException e) {
            why = e.getMessage(); // lwIP missing (logged once by the runtime), or the Nic feeds another stack
            if (runtime != null) {
                LOG.error("IP stack for {}: not started: {}", nic.name(), why);
            }
        }
        this.lwip = runtime;
        this.netif = added;
        this.failure = why;
        this.linkLocal = linkLocalOf(bytes(nic.macAddress()), scope);
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
        sockets.closeAll("the IP stack on " + nic.name() + " is closed (its configuration, its Nic or its bundle went)");
        if (netif != null) {
            netif.close();
            LOG.info("IP stack: interface {} of {} removed ({} sockets closed)", netif.name(), nic.name(), open);
        }
    }

    private LwipInterface running() throws IOException {
        if (closed) {
            throw new StackClosedException("the IP stack on " + nic.name() + " is closed");
        }
        if (netif == null) {
            throw new IOException("the IP stack on " + nic.name() + " did not start: " + failure);
        }
        return netif;
    }

    @Override
    public String interfaceName() {
        return netif == null ? "-" : netif.name();
    }

    @Override
    public String nicName() {
        return nic.name();
    }

    @Override
    public State state() {
        return netif == null ? State.FAILED : closed ? State.CLOSED : State.RUNNING;
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
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
