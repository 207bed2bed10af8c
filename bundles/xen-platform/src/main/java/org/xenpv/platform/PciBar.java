package org.xenpv.platform;

/**
 * One base address register of a PCI device, as a line of sysfs
 * {@code resource} reports it: start, end (inclusive) and the kernel's
 * resource flags ({@code IORESOURCE_*} of Linux's include/linux/ioport.h).
 */
public record PciBar(int index, long start, long end, long flags) {
    /** IORESOURCE_IO: the BAR is a range of I/O ports. */
    public static final long IORESOURCE_IO = 0x100;
    /** IORESOURCE_MEM: the BAR is a range of memory addresses. */
    public static final long IORESOURCE_MEM = 0x200;
    /** IORESOURCE_PREFETCH: the memory range is prefetchable. */
    public static final long IORESOURCE_PREFETCH = 0x2000;

    /** Bytes the BAR spans; 0 for an unused BAR. */
    public long size() {
        return start == 0 && end == 0 ? 0 : end - start + 1;
    }

    /** A range of I/O ports. */
    public boolean isIo() {
        return (flags & IORESOURCE_IO) != 0 && (flags & IORESOURCE_MEM) == 0;
    }

    /** A range of memory addresses. */
    public boolean isMemory() {
        return (flags & IORESOURCE_MEM) != 0 && (flags & IORESOURCE_IO) == 0;
    }

    /** A prefetchable memory range. */
    public boolean isPrefetchable() {
        return isMemory() && (flags & IORESOURCE_PREFETCH) != 0;
    }

    /** How {@code xen:info} and the logs show it, for example {@code memory 0xf0000000-0xf0ffffff prefetchable}. */
    public String describe() {
        String kind = isIo() ? "I/O" : isMemory() ? "memory" : String.format("flags 0x%x", flags);
        return String.format("%s 0x%x-0x%x%s", kind, start, end, isPrefetchable() ? " prefetchable" : "");
    }
}
