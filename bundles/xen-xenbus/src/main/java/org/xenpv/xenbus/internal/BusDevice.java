package org.xenpv.xenbus.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.xenpv.abi.xs.XenbusState;
import org.xenpv.abi.xs.XsError;
import org.xenpv.xenbus.BackendStateListener;
import org.xenpv.xenbus.XenBusDevice;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

/** One device found under {@code device/<class>/<id>}. */
final class BusDevice implements XenBusDevice {
    private static final String FEATURE_PREFIX = "feature-";

    private final XenStore store;
    private final String home;
    private final String deviceClass;
    private final String id;
    private final String backendPath;
    private final int backendDomid;
    private final Object bindings = new Object();
    /** Completes when the latest driver binding closes: the next binding waits for it. */
    private CompletableFuture<Void> lastUnbound = CompletableFuture.completedFuture(null);

    BusDevice(XenStore store, String home, String deviceClass, String id, String backendPath, int backendDomid) {
        this.store = store;
        this.home = home;
        this.deviceClass = deviceClass;
        this.id = id;
        this.backendPath = backendPath;
        this.backendDomid = backendDomid;
    }

    @Override
    public String deviceClass() {
        return deviceClass;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String nodePath() {
        return FrontendBus.under(home, "device/" + deviceClass + "/" + id);
    }

    @Override
    public String backendPath() {
        return backendPath;
    }

    @Override
    public int backendDomid() {
        return backendDomid;
    }

    @Override
    public XenbusState state() throws XenStoreException {
        return parseState(store.readIfExists(nodePath() + "/state"));
    }

    @Override
    public void switchState(XenbusState state) throws XenStoreException {
        store.write(nodePath() + "/state", Integer.toString(state.code()));
    }

    @Override
    public XenbusState backendState() throws XenStoreException {
        return parseState(store.readIfExists(backendPath + "/state"));
    }

    /** A state node's value; absent, malformed or unknown values read as UNKNOWN, as Linux reads them. */
    static XenbusState parseState(Optional<String> value) {
        if (value.isEmpty()) {
            return XenbusState.UNKNOWN;
        }
        String text = value.get().trim();
        String digits = text.startsWith("+") ? text.substring(1) : text;
        // ASCII digits only: Java's parsers also take other scripts' digits, which no backend writes.
        if (digits.isEmpty() || digits.length() > 9 || !isAsciiDigits(digits)) {
            return XenbusState.UNKNOWN;
        }
        XenbusState state = XenbusState.fromCode(Long.parseLong(digits));
        return state == null ? XenbusState.UNKNOWN : state;
    }

    /**
     * Tells the listener the state read after every event, the same state again included. Filtering out
     * a state equal to the one this watch read last would lose updates: the listener reads the state
     * itself when it acts, so it may have seen a newer one (Closed) in between, and when the backend goes
     * back (InitWait) before the coalesced event is read, the event looks like no change and the listener
     * is left acting on a state that is gone. Duplicates cost a read; the watch already coalesces floods.
     */
    @Override
    public AutoCloseable observeBackendState(BackendStateListener listener) throws XenStoreException {
        return store.watch(backendPath + "/state", path -> {
            XenbusState state;
            try {
                state = backendState();
            } catch (XenStoreException e) {
                listener.backendStateUnreadable(e);
                return;
            }
            listener.backendState(state);
        });
    }

    @Override
    public XenbusState awaitBackendState(Set<XenbusState> states, Duration timeout)
            throws XenStoreException, TimeoutException, InterruptedException {
        Object signal = new Object();
        AtomicReference<XenbusState> seen = new AtomicReference<>();
        try (AutoCloseable observation = observeBackendState(state -> {
            synchronized (signal) {
                seen.set(state);
                signal.notifyAll();
            }
        })) {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (signal) {
                while (seen.get() == null || !states.contains(seen.get())) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new TimeoutException("backend " + backendPath + " is " + seen.get() + ", not in "
                                + states + " after " + timeout);
                    }
                    TimeUnit.NANOSECONDS.timedWait(signal, left);
                }
                return seen.get();
            }
        } catch (XenStoreException | TimeoutException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Optional<String> read(String key) throws XenStoreException {
        return store.readIfExists(nodePath() + "/" + key);
    }

    @Override
    public Optional<String> readBackend(String key) throws XenStoreException {
        return store.readIfExists(backendPath + "/" + key);
    }

    @Override
    public Optional<Integer> readBackendInt(String key) throws XenStoreException {
        Optional<String> value = readBackend(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String text = value.get().trim();
        try {
            if (isAsciiDigits(text)) {
                return Optional.of(Integer.parseInt(text));
            }
        } catch (NumberFormatException e) {
            // too big: reported below
        }
        throw new XenStoreException(XsError.EINVAL, "read", backendPath + "/" + key,
                "'" + text + "' is not an unsigned number");
    }

    /** True for a non-empty run of '0'..'9' (Character.isDigit would also take other scripts' digits). */
    static boolean isAsciiDigits(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    @Override
    public boolean backendFeature(String name) throws XenStoreException {
        return readBackend(FEATURE_PREFIX + name).map(v -> v.trim().equals("1")).orElse(false);
    }

    @Override
    public Set<String> backendFeatures() throws XenStoreException {
        Set<String> features = new TreeSet<>();
        for (String key : store.directory(backendPath)) {
            if (key.startsWith(FEATURE_PREFIX) && backendFeature(key.substring(FEATURE_PREFIX.length()))) {
                features.add(key.substring(FEATURE_PREFIX.length()));
            }
        }
        return features;
    }

    @Override
    public CompletionStage<DriverBinding> bindDriver() {
        CompletableFuture<Void> unbound = new CompletableFuture<>();
        CompletableFuture<Void> previous;
        synchronized (bindings) {
            previous = lastUnbound;
            lastUnbound = unbound;
        }
        return previous.thenApply(done -> () -> unbound.complete(null));
    }

    @Override
    public void writeError(int errno, String message) throws XenStoreException {
        store.write(FrontendBus.under(home, "error/device/" + deviceClass + "/" + id + "/error"),
                errno + " " + message);
    }

    @Override
    public String toString() {
        return busId() + " (" + nodePath() + ", backend " + backendPath + " in domain " + backendDomid + ")";
    }
}
