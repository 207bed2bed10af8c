package org.xenpv.stack.lwip.internal;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.net.MacAddress;
import org.xenpv.net.Nic;
import org.xenpv.net.Offload;
import org.xenpv.net.tap.TransportChecksum;

import com.sun.jna.CallbackReference;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * An lwIP interface (a struct netif this class owns) that outlives the Nics it
 * runs on: its addresses and its sockets stay while one Nic is replaced by
 * another ({@link #attach}, {@link #detach}); without a Nic its link is down.
 * Frames from the Nic go to lwIP's thread through tcpip_input, and lwIP's
 * frames for the link go to the attached Nic's {@link Nic#send}. lwIP
 * computes and checks every checksum itself (Debian's build has no
 * per-interface checksum control), so frames go out complete, and a received
 * frame whose checksum the backend left blank is finished here first.
 *
 * <p>Threads: the attached link is changed, and the interface's link state,
 * MAC and MTU written, only with lwIP's core lock held, which lwIP also holds
 * when it calls linkoutput; so a send reads the link once and uses that Nic
 * and its buffer throughout, and a Nic's state change is applied in the same
 * order as the attach or detach that it races with. Attach, detach and close
 * are serialised on this object (then the core lock; never the other way).
 */
final class LwipInterface {
    private static final Logger LOG = LoggerFactory.getLogger(LwipInterface.class);
    /** The two letters of the interface's name; lwIP adds its number. */
    private static final String NAME_PREFIX = "xp";
    /** pbuf lengths are 16 bits: a received GSO frame longer than that cannot enter lwIP. */
    private static final int MAX_PBUF = 0xffff;
    private static final long DRAIN_SECONDS = 5;

    private final LwipRuntime lwip;
    private final Memory netif = new Memory(LwipAbi.NETIF_SIZE);
    private final Memory address = new Memory(LwipAbi.IP4_ADDR_SIZE);
    private final Memory netmask = new Memory(LwipAbi.IP4_ADDR_SIZE);
    private final Memory gateway = new Memory(LwipAbi.IP4_ADDR_SIZE);
    private final LwipLibrary.NetifInit init = this::initialise;
    private final LwipLibrary.LinkOutput linkOutput = this::linkOutput;
    private final ThreadLocal<ByteBuffer> receiveScratch;
    private final byte[] firstMac;
    private final int firstMtu;
    private final String name;
    private final int index;
    final LongAdder fromNic = new LongAdder();
    final LongAdder fromNicDropped = new LongAdder();
    final LongAdder toNic = new LongAdder();
    final LongAdder toNicDropped = new LongAdder();
    /** The Nic lwIP sends on, or null: written with the core lock held. */
    private volatile NicLink attached;
    private volatile boolean closed;

    /**
     * Adds the interface to lwIP, up but with its link down (no Nic yet), with its IPv4 address and an
     * IPv6 link-local address from {@code mac}.
     *
     * @throws IllegalStateException when lwIP refuses the interface
     */
    LwipInterface(LwipRuntime lwip, MacAddress mac, int mtu, Inet4Address ip, int prefixLength, Inet4Address gw) {
        this.lwip = lwip;
        this.firstMac = LwipStack.bytes(mac);
        this.firstMtu = mtu;
        this.receiveScratch = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(MAX_PBUF));
        netif.clear();
        address.write(0, ip.getAddress(), 0, 4);
        netmask.setInt(0, Integer.reverseBytes(prefixLength == 0 ? 0 : -1 << (32 - prefixLength)));
        gateway.write(0, gw == null ? new byte[4] : gw.getAddress(), 0, 4);
        LwipRuntime.keepAttached(linkOutput, "lwip-tcpip");
        Pointer added = lwip.locked(() -> lwip.lib.netif_add(netif, address, netmask, gateway, Pointer.NULL, init,
                lwip.tcpipInput));
        if (added == null) {
            throw new IllegalStateException("lwIP refused another interface");
        }
        this.index = (netif.getByte(LwipAbi.NETIF_NUM) & 0xff) + 1;
        this.name = NAME_PREFIX + (netif.getByte(LwipAbi.NETIF_NUM) & 0xff);
        lwip.locked(() -> {
            lwip.lib.netif_create_ip6_linklocal_address(netif, (byte) 1);
            lwip.lib.netif_set_up(netif);
        });
    }

    /** netif_add's init function: the interface's link-layer facts and output functions. */
    private byte initialise(Pointer n) {
        n.write(LwipAbi.NETIF_HWADDR, firstMac, 0, 6);
        n.setByte(LwipAbi.NETIF_HWADDR_LEN, (byte) 6);
        n.setShort(LwipAbi.NETIF_MTU, (short) Math.min(firstMtu, 0xffff));
        n.setByte(LwipAbi.NETIF_FLAGS, (byte) (LwipAbi.NETIF_FLAG_BROADCAST | LwipAbi.NETIF_FLAG_ETHARP
                | LwipAbi.NETIF_FLAG_ETHERNET | LwipAbi.NETIF_FLAG_IGMP | LwipAbi.NETIF_FLAG_MLD6));
        n.setByte(LwipAbi.NETIF_NAME, (byte) NAME_PREFIX.charAt(0));
        n.setByte(LwipAbi.NETIF_NAME + 1, (byte) NAME_PREFIX.charAt(1));
        n.setPointer(LwipAbi.NETIF_OUTPUT, lwip.etharpOutput);
        n.setPointer(LwipAbi.NETIF_OUTPUT_IP6, lwip.ethip6Output);
        n.setPointer(LwipAbi.NETIF_LINKOUTPUT, CallbackReference.getFunctionPointer(linkOutput));
        return LwipAbi.ERR_OK;
    }

    /**
     * Runs the interface on {@code nic} from now on: its frames come in, lwIP's go out on it, the
     * interface takes its MAC and MTU and its link follows the Nic's. A Nic attached before is
     * detached first.
     *
     * @throws IllegalStateException when the Nic already feeds another stack (the interface then has no Nic)
     */
    synchronized void attach(Nic nic) {
        if (closed) {
            throw new IllegalStateException("the interface " + name + " is removed");
        }
        NicLink before = attached;
        if (before != null) {
            detach(before.nic());
        }
        NicLink link = new NicLink(this, nic);
        byte[] mac = LwipStack.bytes(nic.macAddress());
        short mtu = (short) Math.min(nic.mtu(), 0xffff);
        lwip.locked(() -> { // the link is down: the peers learn a new MAC when it comes up
            netif.write(LwipAbi.NETIF_HWADDR, mac, 0, 6);
            netif.setShort(LwipAbi.NETIF_MTU, mtu);
            netif.setShort(LwipAbi.NETIF_MTU6, mtu);
            attached = link;
            setLink(link.up());
        });
    }

    /**
     * Stops running on {@code nic} when it is the attached one: the link goes down, lwIP's frames are
     * dropped (TCP sends them again once a Nic is back), and the Nic no longer has this interface's
     * receiver and listener. Frames the Nic delivered before still enter the interface.
     *
     * @return whether {@code nic} was the attached Nic
     */
    synchronized boolean detach(Nic nic) {
        NicLink link = lwip.locked(() -> {
            NicLink current = attached;
            if (current == null || current.nic() != nic) {
                return null;
            }
            attached = null;
            lwip.lib.netif_set_link_down(netif);
            return current;
        });
        if (link == null) {
            return false;
        }
        link.release(); // outside the core lock: the Nic's thread may wait for it in followLink
        return true;
    }

    /** The Nic the interface runs on now. */
    Optional<Nic> nic() {
        NicLink link = attached;
        return link == null ? Optional.empty() : Optional.of(link.nic());
    }

    /** The interface's MTU in lwIP now (the attached Nic's, or the first's). */
    int mtu() {
        return lwip.locked(() -> netif.getShort(LwipAbi.NETIF_MTU) & 0xffff);
    }

    /** The largest frame the interface sends now: the attached Nic's, 0 without one. */
    int transmitCapacity() {
        NicLink link = attached;
        return link == null ? 0 : link.capacity();
    }

    /** On lwIP's thread (or a sockets caller's), core lock held: the attached link is read once. */
    private byte linkOutput(Pointer n, Pointer pbuf) {
        if (closed) {
            return LwipAbi.ERR_IF;
        }
        NicLink link = attached;
        int length = pbuf.getShort(LwipAbi.PBUF_TOT_LEN) & 0xffff;
        if (link != null && length <= link.capacity() && link.send(lwip.lib, pbuf, length)) {
            toNic.increment();
        } else {
            toNicDropped.increment(); // TCP sends it again; UDP and ICMP lose it, as on any congested link
        }
        return LwipAbi.ERR_OK;
    }

    /** A frame from the attached Nic (or one detached an instant ago), on its queue thread. */
    void input(ByteBuffer frame, Offload offload) {
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

    /** A frame from a Nic that was detached. */
    void droppedFromNic() {
        fromNicDropped.increment();
    }

    /** On the Nic's thread, after its state or link changed: the interface's link follows, if it is still attached. */
    void followLink(NicLink link) {
        if (closed) {
            return;
        }
        lwip.locked(() -> {
            if (attached == link) {
                setLink(link.up());
            }
        });
    }

    /** Core lock held. Link up announces the address (gratuitous ARP) and restarts IPv6 duplicate address detection. */
    private void setLink(boolean up) {
        if (up) {
            lwip.lib.netif_set_link_up(netif);
        } else {
            lwip.lib.netif_set_link_down(netif);
        }
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
     * Takes the interface out of lwIP. The Nic is detached first, and every frame already queued
     * for lwIP's thread (which names this interface) is handled before the interface goes.
     */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        NicLink link = attached;
        if (link != null) {
            detach(link.nic());
        }
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
