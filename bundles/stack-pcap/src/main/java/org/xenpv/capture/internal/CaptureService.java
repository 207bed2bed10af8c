package org.xenpv.capture.internal;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.capture.CaptureInfo;
import org.xenpv.capture.CaptureInfo.State;
import org.xenpv.capture.Captures;
import org.xenpv.net.Nic;

/**
 * The {@link Captures} service: one {@link Capture} at most running per Nic,
 * on the Nics registered now. A Nic that goes away ends its capture; this
 * component's deactivation ends every capture and waits for its writer.
 */
@Component(service = Captures.class, immediate = true)
@Designate(ocd = CaptureService.Config.class)
public final class CaptureService implements Captures {
    private static final Logger LOG = LoggerFactory.getLogger(CaptureService.class);
    /** How long {@link #stop} waits for the file to be written out and closed. */
    static final long STOP_WAIT_MILLIS = 10_000;
    /** How long deactivation waits for the writers, before interrupting those still writing and again after. */
    static final long DEACTIVATE_WAIT_MILLIS = 5_000;
    static final int MIN_BUFFER_BYTES = 1 << 18;
    static final int MAX_BUFFER_BYTES = 1 << 30;

    @ObjectClassDefinition(name = "xenpv frame capture")
    public @interface Config {
        @AttributeDefinition(description = "Bytes of frames one capture holds for its writer (rounded up to a power of"
                + " two, at least 256 KiB): a frame that finds them full is dropped from the capture and counted")
        int buffer_bytes() default 16 << 20;
    }

    private final Path base;
    private final int bufferBytes;
    private final CaptureOutput output;

    private final Object lock = new Object();
    /** The Nics bound now, with their names. Guarded by lock. */
    private final Map<Nic, String> nics = new HashMap<>();
    /** Each Nic's latest capture, running or ended. Guarded by lock. */
    private final Map<String, Capture> captures = new TreeMap<>();
    /** Captures being opened: Nic name to file. Guarded by lock. */
    private final Map<String, Path> starting = new HashMap<>();
    /** Guarded by lock. */
    private boolean active = true;
    /** {@link #DEACTIVATE_WAIT_MILLIS}; shorter in tests. */
    volatile long deactivateWaitMillis = DEACTIVATE_WAIT_MILLIS;

    @Activate
    public CaptureService(Config config) {
        this(Path.of(System.getProperty("karaf.base", "")), config.buffer_bytes(), CaptureOutput.FILES);
    }

    /**
     * @param base the directory relative paths are resolved against
     * @param bufferBytes each capture's ring, rounded up to a power of two
     */
    CaptureService(Path base, int bufferBytes, CaptureOutput output) {
        this.base = base.toAbsolutePath().normalize();
        int clamped = Math.max(MIN_BUFFER_BYTES, Math.min(MAX_BUFFER_BYTES, bufferBytes));
        this.bufferBytes = Integer.bitCount(clamped) == 1 ? clamped : Integer.highestOneBit(clamped) << 1;
        this.output = output;
    }

    @Reference(name = "nic", service = Nic.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC)
    void bindNic(Nic nic, Map<String, Object> properties) {
        Object device = properties.get(Nic.PROPERTY_DEVICE);
        String name = device instanceof String text ? text : nic.name();
        synchronized (lock) {
            nics.put(nic, name);
        }
    }

    void unbindNic(Nic nic) {
        Capture gone = null;
        synchronized (lock) {
            String name = nics.remove(nic);
            Capture capture = name == null ? null : captures.get(name);
            if (capture != null && capture.nic() == nic) {
                gone = capture;
            }
        }
        if (gone != null) {
            gone.requestEnd(State.NIC_REMOVED); // its writer finishes the file on its own
        }
    }

    @Deactivate
    void deactivate() {
        List<Capture> all;
        synchronized (lock) {
            active = false;
            all = new ArrayList<>(captures.values());
        }
        for (Capture capture : all) {
            capture.requestEnd(State.STOPPED);
        }
        try {
            List<Capture> stuck = awaitEnd(all);
            if (!stuck.isEmpty()) {
                for (Capture capture : stuck) {
                    LOG.warn("capture of {}: the writer has not finished {} after {} ms; interrupting it",
                            capture.nicName(), capture.file(), deactivateWaitMillis);
                    capture.interrupt();
                }
                for (Capture capture : awaitEnd(stuck)) {
                    LOG.error("capture of {}: the writer thread does not end", capture.nicName());
                }
            }
        } catch (InterruptedException e) {
            all.forEach(Capture::interrupt);
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the writers together, up to {@link #deactivateWaitMillis}; the captures whose writer runs on. */
    private List<Capture> awaitEnd(List<Capture> captures) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deactivateWaitMillis);
        List<Capture> running = new ArrayList<>();
        for (Capture capture : captures) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (!capture.awaitEnd(Math.max(1, left))) {
                running.add(capture);
            }
        }
        return running;
    }

    @Override
    public CaptureInfo start(String nicName, Path file, long maxFrames, long maxBytes) throws IOException {
        if (maxFrames < 0) {
            throw new IllegalArgumentException("the frame limit must be 0 (none) or more, not " + maxFrames);
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("the byte limit must be 0 (none) or more, not " + maxBytes);
        }
        long smallest = Capture.headerLength(nicName) + Pcapng.enhancedPacketLength(Nic.MIN_FRAME_BYTES);
        if (maxBytes != 0 && maxBytes < smallest) {
            throw new IllegalArgumentException("a byte limit of " + maxBytes + " leaves no room for a frame: the"
                    + " file's headers and one smallest frame take " + smallest + " bytes");
        }
        Path target = base.resolve(file).toAbsolutePath().normalize();
        Nic nic;
        synchronized (lock) {
            if (!active) {
                throw new IllegalStateException("the capture service is stopping");
            }
            nic = nic(nicName);
            Capture current = captures.get(nicName);
            if (starting.containsKey(nicName) || current != null && current.info().state().active()) {
                throw new IllegalStateException("a capture is already running on " + nicName + " (to "
                        + (current != null ? current.file() : starting.get(nicName)) + "): stop it first");
            }
            for (Capture other : captures.values()) {
                if (other.file().equals(target) && other.info().state().active()) {
                    throw new IllegalStateException("the capture of " + other.nicName() + " is writing " + target);
                }
            }
            for (Map.Entry<String, Path> other : starting.entrySet()) {
                if (other.getValue().equals(target)) {
                    throw new IllegalStateException("the capture of " + other.getKey() + " is writing " + target);
                }
            }
            starting.put(nicName, target);
        }

        Capture capture;
        try {
            WritableByteChannel channel;
            try {
                channel = output.open(target);
            } catch (IOException e) {
                throw new IOException("cannot create capture file " + target + ": " + reason(e), e);
            }
            try {
                capture = new Capture(nicName, nic, target, maxFrames, maxBytes, bufferBytes, channel);
            } catch (RuntimeException | Error e) {
                channel.close();
                throw e;
            }
        } finally {
            synchronized (lock) {
                starting.remove(nicName);
            }
        }
        boolean registered;
        synchronized (lock) {
            registered = active && nics.containsKey(nic);
            if (registered) {
                captures.put(nicName, capture);
            }
            // Started in any case: the writer writes the headers and closes the file however this ends.
            capture.start();
        }
        if (!registered) {
            capture.requestEnd(State.STOPPED);
            try {
                capture.awaitEnd(STOP_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException(nicName + " or the capture service went away while the capture started");
        }
        try {
            capture.attach();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(nicName + " cannot show its frames: " + e.getMessage(), e);
        }
        LOG.info("capturing {} to {}{}{}", nicName, target, maxFrames != 0 ? ", up to " + maxFrames + " frames" : "",
                maxBytes != 0 ? ", up to " + maxBytes + " bytes" : "");
        return capture.info();
    }

    @Override
    public CaptureInfo stop(String nicName) {
        Capture capture;
        synchronized (lock) {
            capture = captures.get(nicName);
            if (capture == null) {
                throw new IllegalArgumentException("no capture on '" + nicName + "'; captures: "
                        + (captures.isEmpty() ? "none" : String.join(", ", captures.keySet())));
            }
        }
        capture.requestEnd(State.STOPPED);
        try {
            capture.awaitEnd(STOP_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return capture.info();
    }

    @Override
    public List<CaptureInfo> list() {
        List<Capture> all;
        synchronized (lock) {
            all = new ArrayList<>(captures.values());
        }
        return all.stream().map(Capture::info).toList();
    }

    @Override
    public List<String> nics() {
        synchronized (lock) {
            return nics.values().stream().sorted().distinct().toList();
        }
    }

    /** The bound Nic named {@code name}, or an error naming the ones there are. Caller holds lock. */
    private Nic nic(String name) {
        for (Map.Entry<Nic, String> entry : nics.entrySet()) {
            if (entry.getValue().equals(name)) {
                return entry.getKey();
            }
        }
        List<String> names = nics.values().stream().sorted().toList();
        throw new IllegalArgumentException("no Nic named '" + name + "'; Nics: "
                + (names.isEmpty() ? "none" : String.join(", ", names)));
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "its directory does not exist";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** The threads of captures that have not finished (for tests). */
    boolean anyWriterAlive() {
        synchronized (lock) {
            return captures.values().stream().anyMatch(Capture::writerAlive);
        }
    }
}
