package org.xenpv.netfront.internal;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.abi.xs.XsError;
import org.xenpv.gnttab.GrantTable;
import org.xenpv.xenbus.BackendStateListener;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.TransactionBody;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

/**
 * Failures injected where netfront meets the layers below it (its XenStore, its XenBus devices, its grant
 * table), and a record of which thread did each XenStore operation. Switched on and off while a test runs.
 */
final class Faults {
    /** Reading the backend's multi-queue-max-queues fails with EIO. */
    volatile boolean failFeatureReads;
    /** Every transaction keeps conflicting (EAGAIN), as under a toolstack that keeps writing. */
    volatile boolean failTransactions;
    /** XenStore refuses the frontend's switch to Connected (EACCES). */
    volatile boolean refuseConnected;
    /** XenStore refuses the frontend's next this many switches to Closed (EIO), as one that stops answering. */
    final AtomicInteger refuseClosed = new AtomicInteger();
    /** Grants fail once this many pages are granted. */
    volatile int grantQuota = Integer.MAX_VALUE;
    /** While set, waiting on the backend's state waits on this first, as for a backend that is slow to answer. */
    volatile CountDownLatch slowBackend;
    /**
     * While set, a device's thread waits on this before it reads the backend's state, as a device thread
     * that has fallen behind the watch; {@link #backendStateReader} is then the thread that waited.
     */
    volatile CountDownLatch backendStateReadGate;
    volatile Thread backendStateReader;
    /**
     * While set, told (on the watch thread) each backend state the bus has just handed to netfront's
     * listener; it may hold the watch thread, so that events queue up behind it and are coalesced.
     */
    volatile Consumer<XenbusState> afterBackendStateTold;

    /** Failures injected so far. */
    final AtomicInteger injected = new AtomicInteger();
    /** XenStore operations netfront did on a thread other than a device's own, as "operation on thread". */
    final List<String> offDeviceThread = new CopyOnWriteArrayList<>();

    /** XenBusDevice methods that do no XenStore I/O. */
    private static final Set<String> NO_IO = Set.of("deviceClass", "id", "busId", "nodePath", "backendPath",
            "backendDomid", "bindDriver", "toString", "hashCode", "equals");

    XenStore wrap(XenStore store) {
        return proxy(XenStore.class, store, (method, args) -> {
            if (failTransactions && method.getName().equals("inTransaction")) {
                @SuppressWarnings("unchecked")
                TransactionBody<Object> body = (TransactionBody<Object>) args[0];
                return store.inTransaction(tx -> {
                    body.run(tx);
                    injected.incrementAndGet();
                    throw new XenStoreException(XsError.EAGAIN, "XS_TRANSACTION_END", null, "injected conflict");
                });
            }
            return NOT_HANDLED;
        });
    }

    XenBusDevice wrap(XenBusDevice device) {
        return proxy(XenBusDevice.class, device, (method, args) -> {
            String name = method.getName();
            if (failFeatureReads && name.equals("readBackendInt") && Netif.Keys.MULTI_QUEUE_MAX_QUEUES.equals(args[0])) {
                injected.incrementAndGet();
                throw new XenStoreException(XsError.EIO, "XS_READ", device.backendPath() + "/" + args[0], "injected");
            }
            if (refuseConnected && name.equals("switchState") && args[0] == XenbusState.CONNECTED) {
                injected.incrementAndGet();
                throw new XenStoreException(XsError.EACCES, "XS_WRITE", device.nodePath() + "/state", "injected");
            }
            if (name.equals("switchState") && args[0] == XenbusState.CLOSED
                    && refuseClosed.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                injected.incrementAndGet();
                throw new XenStoreException(XsError.EIO, "XS_WRITE", device.nodePath() + "/state", "injected");
            }
            CountDownLatch slow = slowBackend;
            if (slow != null && name.equals("awaitBackendState")) {
                slow.await();
            }
            CountDownLatch gate = backendStateReadGate;
            if (gate != null && name.equals("backendState")
                    && Thread.currentThread().getName().startsWith("xenpv-netfront-")) {
                backendStateReader = Thread.currentThread();
                gate.await();
            }
            if (name.equals("observeBackendState")) {
                return device.observeBackendState(observed((BackendStateListener) args[0]));
            }
            return NOT_HANDLED;
        });
    }

    private BackendStateListener observed(BackendStateListener listener) {
        return new BackendStateListener() {
            @Override
            public void backendState(XenbusState state) {
                listener.backendState(state);
                Consumer<XenbusState> hook = afterBackendStateTold;
                if (hook != null) {
                    hook.accept(state);
                }
            }

            @Override
            public void backendStateUnreadable(XenStoreException cause) {
                listener.backendStateUnreadable(cause);
            }
        };
    }

    GrantTable wrap(GrantTable grants) {
        return new GrantTable() {
            @Override
            public org.xenpv.gnttab.GrantedPages grant(int domid, int pageCount, org.xenpv.gnttab.Access access)
                    throws IOException {
                checkQuota(pageCount);
                return grants.grant(domid, pageCount, access);
            }

            @Override
            public org.xenpv.gnttab.PagePool createPool(int domid, int pageCount, org.xenpv.gnttab.Access access)
                    throws IOException {
                checkQuota(pageCount);
                return grants.createPool(domid, pageCount, access);
            }

            @Override
            public int grantsOutstanding() {
                return grants.grantsOutstanding();
            }

            @Override
            public int pagesHeld() {
                return grants.pagesHeld();
            }

            private void checkQuota(int pageCount) throws IOException {
                if (grants.grantsOutstanding() + pageCount > grantQuota) {
                    injected.incrementAndGet();
                    throw new IOException("injected: no more than " + grantQuota + " pages");
                }
            }
        };
    }

    private static final Object NOT_HANDLED = new Object();

    private interface Interceptor {
        /** The result, or {@link #NOT_HANDLED} to call the real object. */
        Object intercept(Method method, Object[] args) throws Throwable;
    }

    private <T> T proxy(Class<T> type, T real, Interceptor interceptor) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (!NO_IO.contains(method.getName()) && !Thread.currentThread().getName().startsWith("xenpv-netfront-")) {
                offDeviceThread.add(type.getSimpleName() + "." + method.getName() + " on "
                        + Thread.currentThread().getName());
            }
            Object result = interceptor.intercept(method, args);
            if (result != NOT_HANDLED) {
                return result;
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }
}
