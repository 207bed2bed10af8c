package org.xenpv.netfront.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.extension.ExtendWith;
import org.pastalab.fray.junit.junit5.FrayTestExtension;
import org.pastalab.fray.junit.junit5.annotations.FrayTest;

/**
 * The device's reconciliation under interleavings Fray explores: threads
 * that change the state (a backend's watch, a retry) request a run each
 * time, and whatever the order, a run reads the last state. A request
 * coalesced into a run that had already read would leave the device acting
 * on a state that is gone, the lost restart of the gate issue.
 */
@ExtendWith(FrayTestExtension.class)
class CoalescedRunFrayTest {
    private static final int CHANGES = 2;

    @FrayTest(iterations = 500, scheduler = SeededPosScheduler.class)
    void aRunReadsTheLastStateWhateverTheOrderOfRequests() throws Exception {
        ExecutorService deviceThread = Executors.newSingleThreadExecutor();
        AtomicInteger state = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        ReentrantLock lock = new ReentrantLock();
        Condition read = lock.newCondition();
        int[] lastRead = {-1};
        CoalescedRun reconcile = new CoalescedRun(step -> {
            try {
                deviceThread.execute(step);
                return true;
            } catch (RejectedExecutionException closing) {
                return false;
            }
        }, () -> {
            runs.incrementAndGet();
            int now = state.get();
            lock.lock();
            try {
                lastRead[0] = now;
                read.signalAll();
            } finally {
                lock.unlock();
            }
        });
        Thread[] changers = new Thread[2];
        for (int c = 0; c < changers.length; c++) {
            changers[c] = new Thread(() -> {
                for (int i = 0; i < CHANGES; i++) {
                    state.incrementAndGet();
                    reconcile.request();
                }
            }, "changer-" + c);
            changers[c].start();
        }
        for (Thread changer : changers) {
            changer.join();
        }
        int last = changers.length * CHANGES;
        lock.lock();
        try {
            while (lastRead[0] != last) {
                read.await(); // a request lost leaves every thread waiting: Fray reports the deadlock
            }
        } finally {
            lock.unlock();
        }
        deviceThread.shutdown();
        assertTrue(deviceThread.awaitTermination(1, TimeUnit.MINUTES));
        assertEquals(last, lastRead[0]);
        assertTrue(runs.get() <= last, "at most one run per request: " + runs.get());
    }
}
