package org.xenpv.sim.netback;

/**
 * A frame crossing the simulated switch, with the offload state netif carries
 * along: checksum blank / data validated, and GSO type and segment size.
 */
public record SimFrame(byte[] data, boolean checksumBlank, boolean dataValidated, int gsoType, int gsoSize) {

    public static SimFrame plain(byte[] data) {
        return new SimFrame(data, false, false, 0, 0);
    }

    long destination() {
        return mac(0);
    }

    long source() {
        return mac(6);
    }

    private long mac(int offset) {
        long value = 0;
        for (int i = 0; i < 6; i++) {
            value = value << 8 | (data[offset + i] & 0xff);
        }
        return value;
    }
}
