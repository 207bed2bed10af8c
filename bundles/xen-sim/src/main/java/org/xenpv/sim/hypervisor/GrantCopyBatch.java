package org.xenpv.sim.hypervisor;

import org.xenpv.abi.grant.GrantStatus;

/**
 * The operations of one GNTTABOP_copy hypercall between one granter's pages
 * and the copier's own arrays, all in one direction: what netback gathers
 * for a batch of packets and hands to Xen at once (xenvif_tx_build_gops,
 * xenvif_rx_copy_flush). Xen checks and reports every operation on its own,
 * so a revoked or foreign grant fails its operation and no other; what a
 * batch saves is the per-hypercall work, here the grant table's lock taken
 * twice per batch instead of twice per copy. Reused from batch to batch by
 * its one owner: it allocates nothing per operation.
 */
public final class GrantCopyBatch {
    private final boolean toGrant;
    final int[] ref;
    final int[] offset;
    final byte[][] buffer;
    final int[] at;
    final int[] length;
    final GrantStatus[] status;
    /** The entries an operation holds while it copies (GrantTable's own type). */
    final Object[] pinned;
    int size;

    /**
     * @param capacity the most operations of one batch
     * @param toGrant true to copy from the arrays into granted pages, false from granted pages into the arrays
     */
    public GrantCopyBatch(int capacity, boolean toGrant) {
        this.toGrant = toGrant;
        this.ref = new int[capacity];
        this.offset = new int[capacity];
        this.buffer = new byte[capacity][];
        this.at = new int[capacity];
        this.length = new int[capacity];
        this.status = new GrantStatus[capacity];
        this.pinned = new Object[capacity];
    }

    public boolean toGrant() {
        return toGrant;
    }

    /**
     * Adds one operation: {@code length} bytes between granted page {@code ref}
     * at {@code offset} and {@code array} from {@code arrayAt}.
     *
     * @return its index, for {@link #status(int)}
     * @throws IllegalStateException when the batch is full
     */
    public int add(int ref, int offset, byte[] array, int arrayAt, int length) {
        int i = size;
        if (i == this.ref.length) {
            throw new IllegalStateException("a batch of " + i + " copies is full");
        }
        this.ref[i] = ref;
        this.offset[i] = offset;
        this.buffer[i] = array;
        this.at[i] = arrayAt;
        this.length[i] = length;
        this.status[i] = null;
        size = i + 1;
        return i;
    }

    public int size() {
        return size;
    }

    /** The most operations of one batch. */
    public int capacity() {
        return ref.length;
    }

    /** The result of operation {@code i} once the batch was copied; {@code null} before. */
    public GrantStatus status(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        return status[i];
    }

    /** Empties the batch for the next one, letting go of its arrays. */
    public void clear() {
        for (int i = 0; i < size; i++) {
            buffer[i] = null;
            pinned[i] = null;
        }
        size = 0;
    }
}
