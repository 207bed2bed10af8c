package org.xenpv.sim.netback;

/** Netback on a port of the in-process switch ({@link SimSwitch}): attached while it lives. */
final class SwitchUplink implements Uplink {
    private final SimSwitch fabric;
    private final SimSwitch.Port port;
    private final Sender sender;

    SwitchUplink(SimSwitch fabric, SimSwitch.Port port) {
        this.fabric = fabric;
        this.port = port;
        this.sender = new Sender() {
            @Override
            public void send(SimFrame frame) {
                fabric.transmit(port, frame);
            }

            @Override
            public void close() {
            }
        };
        fabric.attach(port);
    }

    @Override
    public Sender newSender() {
        return sender; // the switch is safe for any number of threads
    }

    @Override
    public void connected(boolean sg, boolean gsoTcpv4, boolean gsoTcpv6) {
    }

    @Override
    public void disconnected() {
    }

    @Override
    public void close() {
        fabric.detach(port);
    }
}
