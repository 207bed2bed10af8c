package org.xenpv.gnttab.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xenpv.gnttab.Access;
import org.xenpv.gnttab.PagePool;
import org.xenpv.gnttab.PoolPage;
import org.xenpv.gnttab.Revocation;
import org.xenpv.sim.hypervisor.Domain;
import org.xenpv.sim.hypervisor.Hypervisor;
import org.xenpv.sim.hypervisor.HypervisorLimits;
import org.xenpv.sim.ports.SimDevicePorts;

/** The pool's owner takes no lock; pages released from other threads come back to it whole and once. */
class GrantedPagePoolTest {
    private static final int PAGES = 8;

    private BundleGrantTable table;
    private PagePool pool;

    @BeforeEach
    void pool() throws Exception {
        Hypervisor hypervisor = new Hypervisor(new HypervisorLimits(8 + 20, 16));
        hypervisor.createDomain(0, "Domain-0");
        Domain guest = hypervisor.createDomain(3, "guest");
        SimDevicePorts ports = new SimDevicePorts(guest, null);
        table = BundleGrantTable.forPort(ports.openGrantAllocPort(), new GrantLedger(), "test.bundle");
        pool = table.createPool(0, PAGES, Access.READ_ONLY);
    }

    private List<PoolPage> acquireAll() {
        List<PoolPage> taken = new ArrayList<>();
        for (PoolPage page = pool.acquire(); page != null; page = pool.acquire()) {
            taken.add(page);
        }
        assertEquals(PAGES, taken.size());
        return taken;
    }

    private static void onAnotherThread(Runnable work) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                work.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "foreign-releaser");
        thread.start();
        thread.join();
        if (failure.get() != null) {
            throw new AssertionError("the other thread failed", failure.get());
        }
    }

    @Test
    void the_owner_takes_back_what_another_thread_released_and_recycles_its_own() throws Exception {
        List<PoolPage> taken = acquireAll();
        PoolPage own = taken.get(0);
        pool.recycle(own);
        assertThrows(IllegalArgumentException.class, () -> pool.recycle(own), "recycled twice");
        assertThrows(IllegalArgumentException.class, () -> pool.release(own), "released after recycling");
        assertSame(own, pool.acquire(), "a recycled page is the next one handed out");
        assertNull(pool.acquire());

        onAnotherThread(() -> {
            pool.release(taken.get(3));
            pool.release(taken.get(5));
            assertThrows(IllegalArgumentException.class, () -> pool.release(taken.get(5)), "released twice");
        });
        assertThrows(IllegalArgumentException.class, () -> pool.recycle(taken.get(3)),
                "recycled after another thread released it");
        assertEquals(2, pool.available(), "pages released elsewhere count as available");
        Set<Integer> back = new HashSet<>();
        back.add(pool.acquire().index());
        back.add(pool.acquire().index());
        assertEquals(Set.of(taken.get(3).index(), taken.get(5).index()), back);
        assertNull(pool.acquire(), "each released page comes back once");
        assertEquals(0, pool.available());
    }

    @Test
    void a_page_released_elsewhere_after_the_revocation_is_never_handed_out() throws Exception {
        List<PoolPage> taken = acquireAll();
        onAnotherThread(() -> pool.release(taken.get(1)));
        assertEquals(Revocation.ENDED, pool.revoke());
        onAnotherThread(() -> pool.release(taken.get(2)));
        pool.recycle(taken.get(3));
        assertEquals(0, pool.available());
        assertNull(pool.acquire());
        assertEquals(0, table.grantsOutstanding());
    }

    /**
     * The owner hands pages to a releasing thread while it acquires and
     * recycles others: every page is out at most once at a time, and at the
     * end every page is back. Run it pinned to one CPU too (taskset -c 0), where
     * the two threads interleave at preemption points.
     */
    @Test
    void an_owner_and_a_foreign_releaser_racing_never_hand_a_page_out_twice() throws Exception {
        int toHand = 50_000;
        AtomicIntegerArray out = new AtomicIntegerArray(PAGES);
        BlockingQueue<PoolPage> handedOver = new ArrayBlockingQueue<>(PAGES);
        PoolPage last = new PoolPage() {
            @Override
            public int index() {
                return -1;
            }

            @Override
            public int ref() {
                return -1;
            }

            @Override
            public java.nio.ByteBuffer buffer() {
                return null;
            }
        };
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread releaser = new Thread(() -> {
            try {
                for (PoolPage page = handedOver.take(); page != last; page = handedOver.take()) {
                    assertTrue(out.compareAndSet(page.index(), 1, 0), "page " + page.index() + " was not out");
                    pool.release(page);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "foreign-releaser");
        releaser.start();
        int handed = 0;
        int recycled = 0;
        while (handed < toHand && failure.get() == null) {
            PoolPage page = pool.acquire();
            if (page == null) {
                Thread.yield(); // every page is with the other thread, or on its way back
                continue;
            }
            assertTrue(out.compareAndSet(page.index(), 0, 1), "page " + page.index() + " handed out twice");
            if ((handed + recycled) % 3 == 0) {
                recycled++;
                out.set(page.index(), 0);
                pool.recycle(page);
            } else {
                handedOver.put(page);
                handed++;
            }
        }
        handedOver.put(last);
        releaser.join(TimeUnit.SECONDS.toMillis(30));
        if (failure.get() != null) {
            throw new AssertionError("the releasing thread failed", failure.get());
        }
        assertTrue(recycled > toHand / 3, "pages the owner recycled itself: " + recycled);
        assertEquals(PAGES, pool.available(), "every page came back");
        for (int i = 0; i < PAGES; i++) {
            assertEquals(0, out.get(i));
            assertNotNull(pool.acquire());
        }
    }
}
