package org.xenpv.platform;

/**
 * One base address register of a PCI device, as a line of sysfs
 * {@code resource} reports it: start, end (inclusive) and flags.
 */
public record PciBar(int index, long start, long end, long flags) {
    /** Bytes the BAR spans; 0 for an unused BAR. */
    public long size() {
        return start == 0 && end == 0 ? 0 : end - start + 1;
    }
}
