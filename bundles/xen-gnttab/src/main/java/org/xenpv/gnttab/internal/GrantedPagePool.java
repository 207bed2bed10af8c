package org.xenpv.gnttab.internal;

import java.io.IOException;

import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.PoolPage;
import org.xenpv.gnttab.Revocation;

/** A pool over one allocation: a stack of free page indexes. */
final class GrantedPagePool implements PagePool {
    private final PageAllocation allocation;
    private final Page[] pages;
    private final int[] free;
    private int freeCount;

    private static final class Page implements PoolPage {
        final GrantedPagePool pool;
        final int index;
        final int ref;
        final java.nio.ByteBuffer buffer;
        boolean acquired;

        Page(GrantedPagePool pool, int index, int ref, java.nio.ByteBuffer buffer) {
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
        public java.nio.ByteBuffer buffer() {
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
    public synchronized int available() {
        return allocation.isRevoked() ? 0 : freeCount;
    }

    @Override
    public synchronized PoolPage acquire() {
        if (freeCount == 0 || allocation.isRevoked()) {
            return null;
        }
        Page page = pages[free[--freeCount]];
        page.acquired = true;
        page.buffer.clear();
        return page;
    }

    @Override
    public synchronized void release(PoolPage poolPage) {
        if (!(poolPage instanceof Page page) || page.pool != this) {
            throw new IllegalArgumentException(poolPage + " is not a page of this pool");
        }
        if (!page.acquired) {
            throw new IllegalArgumentException("page " + page.index + " of this pool is not acquired");
        }
        page.acquired = false;
        if (allocation.isRevoked()) {
            return; // the other domain may still map it: it goes back to no free list
        }
        free[freeCount++] = page.index;
    }

    /** Under the pool's lock, so that no acquire hands out a page once the revocation has begun. */
    @Override
    public synchronized Revocation revoke() throws IOException {
        return allocation.revoke();
    }

    @Override
    public boolean isHeld() {
        return allocation.isHeld();
    }

    @Override
    public synchronized void close() {
        allocation.close();
    }
}
