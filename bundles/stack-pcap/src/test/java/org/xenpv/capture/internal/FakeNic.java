package org.xenpv.capture.internal;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.xenpv.net.FrameMonitor;
import org.xenpv.net.Nic;
import org.xenpv.net.Offload;

/** A Nic that only has a name and monitors: the test plays its data path with {@link #show}. */
final class FakeNic {
    private final String name;
    private final List<FrameMonitor> monitors = new CopyOnWriteArrayList<>();
    private final Nic nic;

    FakeNic(String name) {
        this.name = name;
        this.nic = (Nic) Proxy.newProxyInstance(Nic.class.getClassLoader(), new Class<?>[] {Nic.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name" -> name;
                    case "addMonitor" -> {
                        monitors.add((FrameMonitor) args[0]);
                        yield null;
                    }
                    case "removeMonitor" -> {
                        monitors.remove(args[0]);
                        yield null;
                    }
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "toString" -> "FakeNic " + name;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    Nic nic() {
        return nic;
    }

    Map<String, Object> properties() {
        return Map.of(Nic.PROPERTY_DEVICE, name);
    }

    int monitorCount() {
        return monitors.size();
    }

    /** Shows a frame to the monitors, as the Nic's data path would; checks they left the buffer as it was. */
    void show(FrameMonitor.Direction direction, ByteBuffer frame) {
        int position = frame.position();
        int limit = frame.limit();
        for (FrameMonitor monitor : monitors) {
            monitor.frame(direction, 0, frame, Offload.NONE);
        }
        if (frame.position() != position || frame.limit() != limit) {
            throw new AssertionError("a monitor moved the frame's position or limit");
        }
    }
}
