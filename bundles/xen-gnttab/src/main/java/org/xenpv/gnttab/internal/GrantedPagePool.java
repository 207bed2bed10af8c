package org.xenpv.gnttab.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.PoolPage;
import org.xenpv.gnttab.Revocation;

/**
 * A pool over one allocation: the owner's stack of free page indexes, plain
 * memory, and beside it a lock-free stack of pages released from other
 * threads, which the owner takes over whole with one exchange when its own
 * stack runs dry (a Treiber stack with a single consumer that empties it, so
 * no ABA case arises).
 */
final class GrantedPagePool implements PagePool {
    private static final VarHandle RETURNED;
    private static final VarHandle STATE;
    private static final int FREE = 0;
    private static final int ACQUIRED = 1;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            RETURNED = lookup.findVarHandle(GrantedPagePool.class, "returned", Page.class);
            STATE = lookup.findVarHandle(Page.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PageAllocation allocation;
    private final Page[] pages;
    // The owner's.
    private final int[] free;
    private int freeCount;
    /** Pages released from other threads, linked through {@link Page#nextReturned}; through RETURNED. */
    @SuppressWarnings("unused")
    private volatile Page returned;

    private static final class Page implements PoolPage {
        final GrantedPagePool pool;
        final int index;
        final int ref;
        final ByteBuffer buffer;
        /** FREE or ACQUIRED: plain from the owner, compared and set by a release from another thread. */
        int state;
        /** Written before the page is pushed on the returned stack, read after the owner took the stack. */
        Page nextReturned;

        Page(GrantedPagePool pool, int index, int ref, ByteBuffer buffer) {
            this.pool = pool;
            this.index = index;
            this.ref = ref;
            this.buffer = buffer;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public int ref() {
            return ref;
        }

        @Override
        public ByteBuffer buffer() {
            return buffer;
        }
    }

    GrantedPagePool(PageAllocation allocation) {
        this.allocation = allocation;
        int count = allocation.pageCount();
        this.pages = new Page[count];
        this.free = new int[count];
        for (int i = 0; i < count; i++) {
            pages[i] = new Page(this, i, allocation.ref(i), allocation.page(i));
            // Hand out low indexes first, so a pool that is mostly idle touches few pages.
            free[i] = count - 1 - i;
        }
        freeCount = count;
    }

    @Override
    public int domid() {
        return allocation.domid();
    }

    @Override
    public Access access() {
        return allocation.access();
    }

    @Override
    public int capacity() {
        return pages.length;
    }

    @Override
    public int available() {
        if (allocation.isRevoked()) {
            return 0;
        }
        if (RETURNED.getAcquire(this) != null) {
            takeReturned();
        }
        return freeCount;
    }

    @Override
    public PoolPage acquire() {
        if (allocation.isRevoked()) {
            return null;
        }
        if (freeCount == 0) {
            takeReturned();
            if (freeCount == 0) {
                return null;
            }
        }
        Page page = pages[free[--freeCount]];
        STATE.set(page, ACQUIRED);
        page.buffer.clear();
        return page;
    }

    /** Moves every page released from another thread onto the owner's stack, with one exchange. */
    private void takeReturned() {
        Page page = (Page) RETURNED.getAndSet(this, null);
        while (page != null) {
            Page next = page.nextReturned;
            page.nextReturned = null;
            free[freeCount++] = page.index;
            page = next;
        }
    }

    @Override
    public void release(PoolPage poolPage) {
        Page page = ours(poolPage);
        if (!STATE.compareAndSet(page, ACQUIRED, FREE)) {
            throw notAcquired(page);
        }
        if (allocation.isRevoked()) {
            return; // the other domain may still map it: it goes back to no free list
        }
        Page head;
        do {
            head = (Page) RETURNED.getVolatile(this);
            page.nextReturned = head;
        } while (!RETURNED.compareAndSet(this, head, page));
    }

    @Override
    public void recycle(PoolPage poolPage) {
        Page page = ours(poolPage);
        if ((int) STATE.get(page) != ACQUIRED) {
            throw notAcquired(page);
        }
        STATE.set(page, FREE);
        if (allocation.isRevoked()) {
            return; // as release
        }
        free[freeCount++] = page.index;
    }

    private Page ours(PoolPage poolPage) {
        if (!(poolPage instanceof Page page) || page.pool != this) {
            throw new IllegalArgumentException(poolPage + " is not a page of this pool");
        }
        return page;
    }

    private static IllegalArgumentException notAcquired(Page page) {
        return new IllegalArgumentException("page " + page.index + " of this pool is not acquired");
    }

    @Override
    public Revocation revoke() throws IOException {
        return allocation.revoke();
    }

    @Override
    public boolean isHeld() {
        return allocation.isHeld();
    }

    @Override
    public void close() {
        allocation.close();
    }
}
