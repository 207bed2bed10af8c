package org.xenpv.stack.lwip.internal;

import java.nio.ByteBuffer;

import org.xenpv.net.FrameReceiver;
import org.xenpv.net.LinkState;
import org.xenpv.net.Nic;
import org.xenpv.net.NicState;
import org.xenpv.net.NicStateListener;
import org.xenpv.net.Offload;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * One Nic attached to an {@link LwipInterface}: this object is the Nic's frame
 * receiver and state listener, and holds the buffer that lwIP's frames for
 * that Nic are copied into. A Nic that is replaced keeps calling the link it
 * was given until it has let go of it; once {@linkplain #release released},
 * the link passes nothing on.
 */
final class NicLink implements FrameReceiver, NicStateListener {
    /** Room for a full-size Ethernet frame with a VLAN tag, whatever the Nic says. */
    private static final int MIN_TRANSMIT_BYTES = 1514 + 4;

    private final LwipInterface netif;
    private final Nic nic;
    /** Used only with lwIP's core lock held (as lwIP calls linkoutput): one buffer serves every send. */
    private final ByteBuffer transmit;
    private final Pointer transmitAddress;
    private volatile boolean released;

    /**
     * Takes the Nic's frames and state changes for {@code netif}.
     *
     * @throws IllegalStateException when the Nic already feeds another stack
     */
    NicLink(LwipInterface netif, Nic nic) {
        this.netif = netif;
        this.nic = nic;
        this.transmit = ByteBuffer.allocateDirect(Math.max(nic.capabilities().maxFrameBytes(), MIN_TRANSMIT_BYTES));
        this.transmitAddress = Native.getDirectBufferPointer(transmit);
        nic.setReceiver(this);
        nic.addStateListener(this);
    }

    Nic nic() {
        return nic;
    }

    /** Whether the Nic is ACTIVE with its link up: the lwIP interface's link follows it. */
    boolean up() {
        return nic.state() == NicState.ACTIVE && nic.linkState() == LinkState.UP;
    }

    /** The largest frame this link sends. */
    int capacity() {
        return transmit.capacity();
    }

    /**
     * Sends the frame lwIP gives (a pbuf of {@code length} bytes) on the Nic. Core lock held.
     *
     * @return whether the Nic queued it
     */
    boolean send(LwipLibrary lib, Pointer pbuf, int length) {
        int copied = lib.pbuf_copy_partial(pbuf, transmitAddress, (short) length, (short) 0) & 0xffff;
        transmit.clear().limit(copied);
        try {
            return copied >= Nic.MIN_FRAME_BYTES && nic.send(transmit, Offload.NONE);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** On the Nic's queue thread. */
    @Override
    public void receive(int queue, ByteBuffer frame, Offload offload) {
        if (released) {
            netif.droppedFromNic();
            return;
        }
        netif.input(frame, offload);
    }

    @Override
    public void stateChanged(Nic source, NicState state) {
        netif.followLink(this);
    }

    @Override
    public void linkChanged(Nic source, LinkState link) {
        netif.followLink(this);
    }

    /** Lets go of the Nic: it no longer has this receiver and listener. */
    void release() {
        released = true;
        nic.removeStateListener(this);
        nic.clearReceiver(this);
    }
}
