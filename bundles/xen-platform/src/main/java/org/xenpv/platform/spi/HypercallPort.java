package org.xenpv.platform.spi;

/** The privcmd device: raw hypercalls (IOCTL_PRIVCMD_HYPERCALL). */
public interface HypercallPort extends AutoCloseable {

    /** Most arguments a hypercall takes. */
    int MAX_ARGS = 5;

    /**
     * Issues hypercall {@code op} with up to {@link #MAX_ARGS} scalar arguments.
     *
     * @return the hypercall's non-negative result
     * @throws PortException when Xen returns an error (its errno is reported)
     */
    long hypercall(long op, long... args) throws PortException;

    @Override
    void close();
}
