package org.xenpv.abi.ring;

import static org.xenpv.abi.ring.SharedRingDescriptor.PAGE_SIZE;
import static org.xenpv.abi.ring.SharedRingDescriptor.PVT_OFFSET;
import static org.xenpv.abi.ring.SharedRingDescriptor.SLOTS_OFFSET;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * What both ends of a ring share: the page, the slot layout and the ordered
 * accessors of the header's indexes.
 *
 * <p>The page is memory another domain writes concurrently. Indexes the peer
 * publishes are read with acquire semantics (so that the slots it wrote before
 * publishing are visible), indexes this end publishes are written with release
 * semantics (so that the peer sees our slots before the index), and the event
 * checks are preceded by a full fence, because they read an index the peer
 * writes after having read ours (the store-load order that only a full barrier
 * gives: ring.h's xen_mb()).
 */
public abstract sealed class SharedRing permits FrontRingPadding.Head, BackRing {

    private static final VarHandle INDEX =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** The page, little-endian, with absolute offsets. */
    protected final ByteBuffer page;
    protected final RingEntryLayout layout;
    protected final int capacity;
    private final int slotSize;
    private final int mask;

    SharedRing(ByteBuffer page, RingEntryLayout layout) {
        Objects.requireNonNull(page, "page");
        Objects.requireNonNull(layout, "layout");
        if (!page.isDirect()) {
            throw new IllegalArgumentException("a shared ring needs a direct buffer");
        }
        if (page.capacity() < PAGE_SIZE) {
            throw new IllegalArgumentException("a shared ring needs a page of " + PAGE_SIZE + " bytes, got "
                    + page.capacity());
        }
        this.page = page.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear();
        this.layout = layout;
        this.slotSize = layout.slotSize();
        this.capacity = SharedRingDescriptor.capacity(PAGE_SIZE, slotSize);
        this.mask = capacity - 1;
    }

    /** Number of slots. */
    public final int capacity() {
        return capacity;
    }

    public final RingEntryLayout layout() {
        return layout;
    }

    /** The page, little-endian; entry codecs read and write slots in it at {@link #slotOffset}. */
    public final ByteBuffer page() {
        return page;
    }

    /** Byte offset in the page of the slot that ring index {@code index} maps to. */
    public final int slotOffset(int index) {
        return SLOTS_OFFSET + (index & mask) * slotSize;
    }

    /**
     * Initialises the shared header as ring.h's SHARED_RING_INIT: both producers
     * 0, both event indexes 1 (the peer wants a notification for the very first
     * entry), private and padding bytes zeroed. Only the end that creates the
     * ring (the front end) does this, before sharing the page.
     */
    public final void initialiseSharedHeader() {
        for (int offset = 0; offset < SLOTS_OFFSET; offset += Integer.BYTES) {
            page.putInt(offset, 0);
        }
        page.putInt(SharedRingDescriptor.REQ_EVENT_OFFSET, 1);
        page.putInt(SharedRingDescriptor.RSP_EVENT_OFFSET, 1);
        assert page.getInt(PVT_OFFSET) == 0;
        VarHandle.fullFence();
    }

    /** Reads a header index the peer publishes: acquire, so its slots are visible. */
    protected final int acquireIndex(int offset) {
        return (int) INDEX.getAcquire(page, offset);
    }

    /** Publishes a header index: release, so our slots are visible first. */
    protected final void releaseIndex(int offset, int value) {
        INDEX.setRelease(page, offset, value);
    }

    /** Reads a header index without ordering: only for indexes this end writes itself. */
    protected final int plainIndex(int offset) {
        return (int) INDEX.get(page, offset);
    }

    /** Writes an event index, then fences before the re-check that must follow. */
    protected final void writeEventIndexAndFence(int offset, int value) {
        INDEX.setVolatile(page, offset, value);
        VarHandle.fullFence();
    }

    /** Whether an index moving from {@code oldIndex} to {@code newIndex} passed the peer's {@code event}. */
    protected static boolean crossesEvent(int newIndex, int oldIndex, int event) {
        return Integer.compareUnsigned(newIndex - event, newIndex - oldIndex) < 0;
    }

    /** Distance from {@code from} to {@code to} in free-running unsigned arithmetic. */
    protected static long distance(int from, int to) {
        return Integer.toUnsignedLong(to - from);
    }
}
