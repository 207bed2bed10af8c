package org.xenpv.stack.echo;

import java.nio.ByteBuffer;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.net.FrameReceiver;
import org.xenpv.net.Nic;
import org.xenpv.net.Offload;

/**
 * The smallest network stack: every frame that arrives goes back to its
 * sender, addresses swapped. Useful to see a Nic work end to end.
 */
@Component(immediate = true)
@Designate(ocd = EchoStack.Config.class)
public final class EchoStack implements FrameReceiver {
    private static final Logger LOG = LoggerFactory.getLogger(EchoStack.class);

    @ObjectClassDefinition(name = "xenpv echo stack")
    public @interface Config {
        @AttributeDefinition(name = "nic.target", description = "Filter choosing the Nic, for example (nic.device=vif-1)")
        String nic_target() default "(nic.device=vif-1)";
    }

    private static final int MAX_QUEUES = 16;

    private final Nic nic;
    // One frame is echoed at a time per queue; a buffer per queue avoids allocating per frame.
    private final ByteBuffer[] replies = new ByteBuffer[MAX_QUEUES];

    @Activate
    public EchoStack(@Reference(name = "nic", target = "(nic.device=vif-1)") Nic nic) {
        this.nic = nic;
        nic.setReceiver(this);
        LOG.info("echo stack on {}", nic.name());
    }

    @Deactivate
    void deactivate() {
        nic.clearReceiver(this);
        LOG.info("echo stack left {}", nic.name());
    }

    @Override
    public void receive(int queue, ByteBuffer frame, Offload offload) {
        if (queue >= MAX_QUEUES) {
            return;
        }
        if (replies[queue] == null) {
            replies[queue] = ByteBuffer.allocate(0xffff);
        }
        ByteBuffer reply = replies[queue].clear();
        int length = frame.remaining();
        reply.put(0, frame, frame.position(), length).limit(length);
        for (int i = 0; i < 6; i++) {
            reply.put(i, frame.get(frame.position() + 6 + i));
            reply.put(6 + i, frame.get(frame.position() + i));
        }
        nic.send(reply, offload.gso() == Offload.GsoType.NONE ? offload : Offload.NONE);
    }
}
