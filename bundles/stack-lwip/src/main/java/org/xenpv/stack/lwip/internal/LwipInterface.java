package org.xenpv.stack.lwip.internal;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.net.FrameReceiver;
import org.xenpv.net.LinkState;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.NicStateListener;
import org.xenpv.net.Offload;
import org.xenpv.net.tap.TransportChecksum;

import com.sun.jna.CallbackReference;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * One Nic as an lwIP interface (a struct netif this class owns): frames from
 * the Nic go to lwIP's thread through tcpip_input, and lwIP's frames for the
 * link go to {@link Nic#send}. lwIP computes and checks every checksum itself
 * (Debian's build has no per-interface checksum control), so frames go out
 * complete, and a received frame whose checksum the backend left blank is
 * finished here first.
 */
final class LwipInterface implements FrameReceiver, NicStateListener {
    private static final Logger LOG = LoggerFactory.getLogger(LwipInterface.class);
    /** The two letters of the interface's name; lwIP adds its number. */
    private static final String NAME_PREFIX = "xp";
    /** pbuf lengths are 16 bits: a received GSO frame longer than that cannot enter lwIP. */
    private static final int MAX_PBUF = 0xffff;
    private static final long DRAIN_SECONDS = 5;

    private final LwipRuntime lwip;
    private final Nic nic;
    private final Memory netif = new Memory(LwipAbi.NETIF_SIZE);
    private final Memory address = new Memory(LwipAbi.IP4_ADDR_SIZE);
    private final Memory netmask = new Memory(LwipAbi.IP4_ADDR_SIZE);
    private final Memory gateway = new Memory(LwipAbi.IP4_ADDR_SIZE);
    private final LwipLibrary.NetifInit init = this::initialise;
    private final LwipLibrary.LinkOutput linkOutput = this::linkOutput;
    /** lwIP sends with its core lock held, so one buffer serves every send. */
    private final ByteBuffer transmit;
    private final Pointer transmitAddress;
    private final ThreadLocal<ByteBuffer> receiveScratch;
    private final String name;
    private final int index;
    final LongAdder fromNic = new LongAdder();
    final LongAdder fromNicDropped = new LongAdder();
    final LongAdder toNic = new LongAdder();
    final LongAdder toNicDropped = new LongAdder();
    private volatile boolean closed;

    /**
     * Adds the interface to lwIP, up, with its IPv4 address and an IPv6 link-local address from the
     * MAC, and starts taking the Nic's frames.
     *
     * @throws IllegalStateException when the Nic already feeds another stack, or lwIP refuses the interface
     */
    LwipInterface(LwipRuntime lwip, Nic nic, Inet4Address ip, int prefixLength, Inet4Address gw) {
        this.lwip = lwip;
        this.nic = nic;
        int frameBytes = nic.capabilities().maxFrameBytes();
        this.transmit = ByteBuffer.allocateDirect(Math.max(frameBytes, 1514 + 4));
        this.transmitAddress = Native.getDirectBufferPointer(transmit);
        this.receiveScratch = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(MAX_PBUF));
        netif.clear();
        address.write(0, ip.getAddress(), 0, 4);
        netmask.setInt(0, Integer.reverseBytes(prefixLength == 0 ? 0 : -1 << (32 - prefixLength)));
        gateway.write(0, gw == null ? new byte[4] : gw.getAddress(), 0, 4);
        LwipRuntime.keepAttached(linkOutput, "lwip-tcpip");
        Pointer added = lwip.locked(() -> lwip.lib.netif_add(netif, address, netmask, gateway, Pointer.NULL, init,
                lwip.tcpipInput));
        if (added == null) {
            throw new IllegalStateException("lwIP refused the interface for " + nic.name());
        }
        this.index = (netif.getByte(LwipAbi.NETIF_NUM) & 0xff) + 1;
        this.name = NAME_PREFIX + (netif.getByte(LwipAbi.NETIF_NUM) & 0xff);
        try {
            nic.setReceiver(this);
        } catch (IllegalStateException e) {
            lwip.locked(() -> lwip.lib.netif_remove(netif));
            throw e;
        }
        nic.addStateListener(this);
        lwip.locked(() -> {
            lwip.lib.netif_create_ip6_linklocal_address(netif, (byte) 1);
            lwip.lib.netif_set_up(netif);
            if (nic.state() == NicState.ACTIVE && nic.linkState() == LinkState.UP) {
                lwip.lib.netif_set_link_up(netif);
            }
        });
    }

    /** netif_add's init function: the interface's link-layer facts and output functions. */
    private byte initialise(Pointer n) {
        byte[] mac = LwipStack.bytes(nic.macAddress());
        n.write(LwipAbi.NETIF_HWADDR, mac, 0, 6);
        n.setByte(LwipAbi.NETIF_HWADDR_LEN, (byte) 6);
        n.setShort(LwipAbi.NETIF_MTU, (short) Math.min(nic.mtu(), 0xffff));
        n.setByte(LwipAbi.NETIF_FLAGS, (byte) (LwipAbi.NETIF_FLAG_BROADCAST | LwipAbi.NETIF_FLAG_ETHARP
                | LwipAbi.NETIF_FLAG_ETHERNET | LwipAbi.NETIF_FLAG_IGMP | LwipAbi.NETIF_FLAG_MLD6));
        n.setByte(LwipAbi.NETIF_NAME, (byte) NAME_PREFIX.charAt(0));
        n.setByte(LwipAbi.NETIF_NAME + 1, (byte) NAME_PREFIX.charAt(1));
        n.setPointer(LwipAbi.NETIF_OUTPUT, lwip.etharpOutput);
        n.setPointer(LwipAbi.NETIF_OUTPUT_IP6, lwip.ethip6Output);
        n.setPointer(LwipAbi.NETIF_LINKOUTPUT, CallbackReference.getFunctionPointer(linkOutput));
        return LwipAbi.ERR_OK;
    }

    /** On lwIP's thread (or a sockets caller's), core lock held. */
    private byte linkOutput(Pointer n, Pointer pbuf) {
        if (closed) {
            return LwipAbi.ERR_IF;
        }
        int length = pbuf.getShort(LwipAbi.PBUF_TOT_LEN) & 0xffff;
        if (length > transmit.capacity()) {
            toNicDropped.increment();
            return LwipAbi.ERR_IF;
        }
        int copied = lwip.lib.pbuf_copy_partial(pbuf, transmitAddress, (short) length, (short) 0) & 0xffff;
        transmit.clear().limit(copied);
        boolean queued;
        try {
            queued = copied >= Nic.MIN_FRAME_BYTES && nic.send(transmit, Offload.NONE);
        } catch (RuntimeException e) {
            queued = false;
        }
        if (queued) {
            toNic.increment();
        } else {
            toNicDropped.increment(); // TCP sends it again; UDP and ICMP lose it, as on any congested link
        }
        return LwipAbi.ERR_OK;
    }

    /** On the Nic's queue thread. */
    @Override
    public void receive(int queue, ByteBuffer frame, Offload offload) {
        int length = frame.remaining();
        if (closed || length > MAX_PBUF) {
            fromNicDropped.increment();
            return;
        }
        ByteBuffer copy = receiveScratch.get();
        copy.clear();
        copy.put(frame.duplicate()).flip();
        if (offload.checksumBlank()) {
            int located = TransportChecksum.locate(copy);
            if (located == TransportChecksum.NOT_FOUND || !TransportChecksum.complete(copy,
                    TransportChecksum.start(located), TransportChecksum.checksumOffset(located))) {
                fromNicDropped.increment();
                return;
            }
        }
        Pointer pbuf = lwip.lib.pbuf_alloc(LwipAbi.PBUF_RAW, (short) length, LwipAbi.PBUF_RAM);
        if (pbuf == null) {
            fromNicDropped.increment();
            return;
        }
        if (lwip.lib.pbuf_take(pbuf, Native.getDirectBufferPointer(copy), (short) length) != LwipAbi.ERR_OK
                || lwip.lib.tcpip_input(pbuf, netif) != LwipAbi.ERR_OK) {
            lwip.lib.pbuf_free(pbuf);
            fromNicDropped.increment();
            return;
        }
        fromNic.increment();
    }

    @Override
    public void stateChanged(Nic source, NicState state) {
        followLink();
    }

    @Override
    public void linkChanged(Nic source, LinkState link) {
        followLink();
    }

    private void followLink() {
        if (closed) {
            return;
        }
        boolean up = nic.state() == NicState.ACTIVE && nic.linkState() == LinkState.UP;
        lwip.locked(() -> {
            if (up) {
                lwip.lib.netif_set_link_up(netif);
            } else {
                lwip.lib.netif_set_link_down(netif);
            }
        });
    }

    /** The name lwIP knows the interface by (SO_BINDTODEVICE takes it). */
    String name() {
        return name;
    }

    /** lwIP's index of the interface: the scope of its link-local addresses. */
    int index() {
        return index;
    }

    /**
     * Takes the interface out of lwIP. The Nic's frames stop first, and every frame already queued
     * for lwIP's thread (which names this interface) is handled before the interface goes.
     */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        nic.removeStateListener(this);
        nic.clearReceiver(this);
        try {
            if (!lwip.drain(DRAIN_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("lwIP's thread did not take the last frames of {} within {} s", name, DRAIN_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lwip.locked(() -> {
            lwip.lib.netif_set_down(netif);
            lwip.lib.netif_remove(netif);
        });
        try {
            lwip.drain(DRAIN_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
