package org.xenpv.stack.ping;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.net.FrameReceiver;
import org.xenpv.net.LinkState;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.NicStateListener;
import org.xenpv.net.Offload;

/**
 * A minimal IPv4 host on one Nic: it answers ARP requests and ICMP echo
 * requests for its address, and announces itself with a gratuitous ARP when
 * the link comes up. Enough to be pinged from dom0.
 */
@Component(immediate = true)
@Designate(ocd = PingStack.Config.class)
public final class PingStack implements FrameReceiver, NicStateListener {
    private static final Logger LOG = LoggerFactory.getLogger(PingStack.class);
    static final int ETHERTYPE_ARP = 0x0806;
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETH_HEADER = 14;
    static final int ARP_PACKET = 28;
    static final int MIN_FRAME = 60;

    @ObjectClassDefinition(name = "xenpv ping stack")
    public @interface Config {
        @AttributeDefinition(name = "nic.target", description = "Filter choosing the Nic, for example (nic.device=vif-0)")
        String nic_target() default "(nic.device=vif-0)";

        @AttributeDefinition(description = "This host's IPv4 address")
        String address() default "192.168.0.2";
    }

    private final Nic nic;
    private final int address;
    private final ByteBuffer reply = ByteBuffer.allocate(0xffff);
    final AtomicLong arpReplies = new AtomicLong();
    final AtomicLong echoReplies = new AtomicLong();

    @Activate
    public PingStack(@Reference(name = "nic", target = "(nic.device=vif-0)") Nic nic, Config config)
            throws UnknownHostException {
        this.nic = nic;
        InetAddress parsed = InetAddress.getByName(config.address());
        if (!(parsed instanceof Inet4Address)) {
            throw new IllegalArgumentException("address must be IPv4: " + config.address());
        }
        this.address = ByteBuffer.wrap(parsed.getAddress()).getInt();
        nic.setReceiver(this);
        nic.addStateListener(this);
        LOG.info("ping stack on {} answers for {}", nic.name(), config.address());
        announce();
    }

    @Deactivate
    void deactivate() {
        nic.removeStateListener(this);
        nic.clearReceiver(this);
    }

    @Override
    public void stateChanged(Nic changed, NicState state) {
    }

    @Override
    public void linkChanged(Nic changed, LinkState link) {
        if (link == LinkState.UP) {
            announce();
        }
    }

    /** A gratuitous ARP: tells the segment which MAC has our address. */
    private synchronized void announce() {
        if (nic.state() != NicState.ACTIVE) {
            return;
        }
        ByteBuffer frame = reply.clear();
        writeArp(frame, 1, 0xffff_ffff_ffffL, address, 0, address);
        for (int i = 0; i < 6; i++) {
            frame.put(i, (byte) 0xff);
        }
        nic.send(frame.limit(MIN_FRAME), Offload.NONE);
    }

    @Override
    public synchronized void receive(int queue, ByteBuffer frame, Offload offload) {
        int start = frame.position();
        int length = frame.remaining();
        if (length < ETH_HEADER) {
            return;
        }
        int type = u16(frame, start + 12);
        if (type == ETHERTYPE_ARP && length >= ETH_HEADER + ARP_PACKET) {
            answerArp(frame, start);
        } else if (type == ETHERTYPE_IPV4 && length >= ETH_HEADER + 20) {
            answerPing(frame, start, length);
        }
    }

    private void answerArp(ByteBuffer frame, int start) {
        int arp = start + ETH_HEADER;
        boolean ethernetIpv4 = u16(frame, arp) == 1 && u16(frame, arp + 2) == ETHERTYPE_IPV4
                && frame.get(arp + 4) == 6 && frame.get(arp + 5) == 4;
        if (!ethernetIpv4 || u16(frame, arp + 6) != 1 || u32(frame, arp + 24) != address) {
            return;
        }
        long senderMac = mac(frame, arp + 8);
        int senderIp = u32(frame, arp + 14);
        ByteBuffer out = reply.clear();
        writeArp(out, 2, senderMac, address, senderMac, senderIp);
        if (nic.send(out.limit(MIN_FRAME), Offload.NONE)) {
            arpReplies.incrementAndGet();
        }
    }

    /** An Ethernet + ARP frame from this host (padded to the minimum frame). */
    private void writeArp(ByteBuffer out, int operation, long destinationMac, int senderIp, long targetMac,
            int targetIp) {
        for (int i = 0; i < MIN_FRAME; i++) {
            out.put(i, (byte) 0);
        }
        putMac(out, 0, destinationMac);
        nic.macAddress().write(out, 6);
        out.putShort(12, (short) ETHERTYPE_ARP);
        int arp = ETH_HEADER;
        out.putShort(arp, (short) 1).putShort(arp + 2, (short) ETHERTYPE_IPV4).put(arp + 4, (byte) 6)
                .put(arp + 5, (byte) 4).putShort(arp + 6, (short) operation);
        nic.macAddress().write(out, arp + 8);
        out.putInt(arp + 14, senderIp);
        putMac(out, arp + 18, targetMac);
        out.putInt(arp + 24, targetIp);
    }

    private void answerPing(ByteBuffer frame, int start, int length) {
        int ip = start + ETH_HEADER;
        int versionAndLength = frame.get(ip) & 0xff;
        int headerLength = (versionAndLength & 0x0f) * 4;
        int totalLength = u16(frame, ip + 2);
        if (versionAndLength >> 4 != 4 || headerLength < 20 || totalLength < headerLength + 8
                || ETH_HEADER + totalLength > length || (frame.get(ip + 9) & 0xff) != 1
                || u32(frame, ip + 16) != address || (u16(frame, ip + 6) & 0x3fff) != 0) {
            return; // not an unfragmented ICMP packet for us
        }
        int icmp = ip + headerLength;
        if ((frame.get(icmp) & 0xff) != 8 || frame.get(icmp + 1) != 0) {
            return; // not an echo request
        }
        ByteBuffer out = reply.clear();
        int frameLength = ETH_HEADER + totalLength;
        out.put(0, frame, start, frameLength).limit(Math.max(frameLength, MIN_FRAME));
        for (int i = frameLength; i < out.limit(); i++) {
            out.put(i, (byte) 0);
        }
        putMac(out, 0, mac(frame, start + 6));
        nic.macAddress().write(out, 6);
        int outIp = ETH_HEADER;
        out.put(outIp + 8, (byte) 64);
        out.putInt(outIp + 12, address);
        out.putInt(outIp + 16, u32(frame, ip + 12));
        out.putShort(outIp + 10, (short) 0);
        out.putShort(outIp + 10, (short) checksum(out, outIp, headerLength));
        int outIcmp = outIp + headerLength;
        out.put(outIcmp, (byte) 0);
        out.putShort(outIcmp + 2, (short) 0);
        out.putShort(outIcmp + 2, (short) checksum(out, outIcmp, totalLength - headerLength));
        if (nic.send(out, Offload.NONE)) {
            echoReplies.incrementAndGet();
        }
    }

    /** The Internet checksum (RFC 1071) of {@code length} bytes at {@code at}. */
    static int checksum(ByteBuffer buffer, int at, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += u16(buffer, at + i);
        }
        if ((length & 1) != 0) {
            sum += (buffer.get(at + length - 1) & 0xff) << 8;
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) ~sum & 0xffff;
    }

    private static int u16(ByteBuffer buffer, int at) {
        return (buffer.get(at) & 0xff) << 8 | (buffer.get(at + 1) & 0xff);
    }

    private static int u32(ByteBuffer buffer, int at) {
        return u16(buffer, at) << 16 | u16(buffer, at + 2);
    }

    private static long mac(ByteBuffer buffer, int at) {
        long value = 0;
        for (int i = 0; i < 6; i++) {
            value = value << 8 | (buffer.get(at + i) & 0xff);
        }
        return value;
    }

    private static void putMac(ByteBuffer buffer, int at, long mac) {
        for (int i = 0; i < 6; i++) {
            buffer.put(at + i, (byte) (mac >>> (40 - 8 * i)));
        }
    }
}
