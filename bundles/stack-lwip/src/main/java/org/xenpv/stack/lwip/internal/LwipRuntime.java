package org.xenpv.stack.lwip.internal;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.CallbackThreadInitializer;
import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The one lwIP of this process. lwIP keeps its state in the library's globals
 * and starts one thread of its own (tcpip_init), which cannot be stopped: so
 * it is started once per JVM and outlives updates of this bundle, which find
 * it running through a system property (the only state every class loader of
 * the bundle shares).
 */
final class LwipRuntime {
    /** Set, JVM-wide, once lwIP's thread runs. */
    static final String STARTED_PROPERTY = "org.xenpv.stack.lwip.started";
    static final String DEBIAN_PACKAGE = "liblwip0";
    private static final Logger LOG = LoggerFactory.getLogger(LwipRuntime.class);
    private static final long START_TIMEOUT_SECONDS = 10;
    private static final Object LOCK = new Object();
    private static volatile LwipRuntime instance;
    private static String unavailable;
    private static LwipLibrary.TcpipCallback initDone;
    private static final Set<LwipLibrary.TcpipCallback> PENDING_CALLBACKS =
            ConcurrentHashMap.newKeySet();

    final LwipLibrary lib;
    final Function etharpOutput;
    final Function ethip6Output;
    final Function tcpipInput;

    private LwipRuntime(LwipLibrary lib, NativeLibrary library) {
        this.lib = lib;
        this.etharpOutput = library.getFunction("etharp_output");
        this.ethip6Output = library.getFunction("ethip6_output");
        this.tcpipInput = library.getFunction("tcpip_input");
    }

    /**
     * lwIP, started.
     *
     * @throws IllegalStateException when the library cannot be loaded or started; the reason is
     *     logged once per JVM, naming the Debian package
     */
    static LwipRuntime get() {
        LwipRuntime running = instance;
        if (running != null) {
            return running;
        }
        synchronized (LOCK) {
            if (instance != null) {
                return instance;
            }
            if (unavailable != null) {
                throw new IllegalStateException(unavailable);
            }
            NativeLibrary library;
            LwipLibrary lib;
            try {
                library = load();
                lib = Native.load(library.getFile().getPath(), LwipLibrary.class,
                        Map.of(Library.OPTION_CLASSLOADER, LwipRuntime.class.getClassLoader()));
            } catch (UnsatisfiedLinkError e) {
                unavailable = "lwIP is not installed (" + e.getMessage().lines().findFirst().orElse("")
                        + "): install the Debian package " + DEBIAN_PACKAGE;
                LOG.error("In-JVM IP stack unavailable: {}", unavailable);
                throw new IllegalStateException(unavailable);
            }
            LwipRuntime runtime = new LwipRuntime(lib, library);
            runtime.start();
            instance = runtime;
            return runtime;
        }
    }

    /** liblwip.so comes only with the -dev package; the runtime package has the versioned name. */
    private static NativeLibrary load() {
        try {
            return NativeLibrary.getInstance("liblwip.so.0");
        } catch (UnsatisfiedLinkError versionedMissing) {
            return NativeLibrary.getInstance("lwip");
        }
    }

    private void start() {
        if (System.getProperty(STARTED_PROPERTY) != null) {
            LOG.info("lwIP's thread runs already (started {} by an earlier class loader of this bundle)",
                    System.getProperty(STARTED_PROPERTY));
            return;
        }
        CountDownLatch started = new CountDownLatch(1);
        LwipLibrary.TcpipCallback done = context -> started.countDown();
        initDone = done; // lwIP calls it from its own thread, later
        keepAttached(done, "lwip-tcpip");
        lib.tcpip_init(done, Pointer.NULL);
        try {
            if (!started.await(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                unavailable = "lwIP's thread did not start within " + START_TIMEOUT_SECONDS + " s";
                LOG.error("In-JVM IP stack unavailable: {}", unavailable);
                throw new IllegalStateException(unavailable);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while lwIP started", e);
        }
        System.setProperty(STARTED_PROPERTY, Instant.now().toString());
        LOG.info("lwIP started (its thread is lwip-tcpip)");
    }

    /**
     * Callbacks come on lwIP's own thread (and on threads of the sockets API): JNA attaches such a
     * thread to the JVM for the call; keeping it attached spares an attach and a detach per frame.
     */
    static void keepAttached(com.sun.jna.Callback callback, String threadName) {
        Native.setCallbackThreadInitializer(callback, new CallbackThreadInitializer(true, false, threadName));
    }

    /** Runs {@code action} holding lwIP's core lock, as its netif functions need. */
    <T> T locked(Supplier<T> action) {
        lib.sys_lock_tcpip_core();
        try {
            return action.get();
        } finally {
            lib.sys_unlock_tcpip_core();
        }
    }

    void locked(Runnable action) {
        locked(() -> {
            action.run();
            return null;
        });
    }

    /**
     * Waits until lwIP's thread has handled everything queued for it before this call (its mailbox
     * is first in, first out), for instance the frames of an interface about to be removed.
     *
     * @return false when lwIP's thread did not get there within the timeout
     */
    boolean drain(long timeout, TimeUnit unit) throws InterruptedException {
        CountDownLatch reached = new CountDownLatch(1);
        // lwIP may call it after a timeout here: it must stay reachable until then
        LwipLibrary.TcpipCallback[] self = new LwipLibrary.TcpipCallback[1];
        self[0] = context -> {
            PENDING_CALLBACKS.remove(self[0]);
            reached.countDown();
        };
        PENDING_CALLBACKS.add(self[0]);
        keepAttached(self[0], "lwip-tcpip");
        if (lib.tcpip_callback(self[0], Pointer.NULL) != LwipAbi.ERR_OK) {
            PENDING_CALLBACKS.remove(self[0]);
            return false;
        }
        return reached.await(timeout, unit);
    }
}
