package org.xenpv.http.internal;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.xenpv.http.HttpHandler;
import org.xenpv.http.HttpRequest;
import org.xenpv.http.HttpResponse;
import org.xenpv.stack.lwip.IpStack;

/**
 * A handler that tells who serves: each in-JVM stack's Nic, addresses, state
 * and frame counters, as plain text. Off unless configured (PID
 * {@code org.xenpv.http.status}, key {@code xenpv.http.path}, for example
 * {@code /xenpv/status}), as a server should not show its insides by default.
 */
@Component(configurationPid = StackStatusHandler.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = HttpHandler.class)
public final class StackStatusHandler implements HttpHandler {
    static final String PID = "org.xenpv.http.status";

    private final List<IpStack> stacks = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addStack(IpStack stack) {
        stacks.add(stack);
    }

    void removeStack(IpStack stack) {
        stacks.remove(stack);
    }

    @Override
    public HttpResponse handle(HttpRequest request) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return new HttpResponse(405, java.util.Map.of("Allow", "GET, HEAD"), new byte[0]);
        }
        StringBuilder text = new StringBuilder();
        stacks.stream().sorted(Comparator.comparing(IpStack::nicName)).forEach(stack -> {
            IpStack.Counters c = stack.counters();
            text.append(stack.nicName()).append(' ').append(stack.address().getHostAddress()).append('/')
                    .append(stack.prefixLength()).append(' ').append(stack.linkLocalAddress().getHostAddress())
                    .append(' ').append(stack.state()).append(" from-nic ").append(c.fromNic())
                    .append(" to-nic ").append(c.toNic()).append(" sockets ").append(stack.sockets().size())
                    .append('\n');
        });
        return HttpResponse.text(200, text.toString());
    }
}
