package org.xenpv.stack.lwip.commands;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.xenpv.stack.lwip.IpStack;

/** Pings an address from an in-JVM IP stack, as ping(8) does from the kernel's. */
@Command(scope = "ip", name = "ping", description = "Sends echo requests from an in-JVM IP stack and shows the replies")
@Service
public class IpPingCommand implements Action {
    @Reference(optional = true)
    List<IpStack> stacks;

    @Argument(index = 0, name = "address", required = true, description = "IPv4 or IPv6 address (fe80:: addresses need no scope)")
    String address;

    @Option(name = "-c", aliases = "--count", description = "Echo requests to send (default 3)")
    int count = 3;

    @Option(name = "-W", aliases = "--timeout", description = "Seconds to wait for each reply (default 2)")
    int timeoutSeconds = 2;

    @Option(name = "-n", aliases = "--nic", description = "The stack's Nic, when there is more than one stack")
    String nicName;

    @Override
    public Object execute() throws Exception {
        if (count < 1 || count > 1000 || timeoutSeconds < 1 || timeoutSeconds > 60) {
            System.err.println("ip:ping: -c is 1 to 1000 and -W 1 to 60 seconds");
            return null;
        }
        InetAddress target;
        try {
            target = InetAddress.getByName(address.replaceAll("%.*", ""));
        } catch (UnknownHostException e) {
            System.err.println("ip:ping: '" + address + "' is not an IP address");
            return null;
        }
        List<IpStack> candidates = (stacks == null ? List.<IpStack>of() : stacks).stream()
                .filter(s -> s.state() == IpStack.State.RUNNING)
                .filter(s -> nicName == null || s.nicName().equals(nicName)).toList();
        if (candidates.size() != 1) {
            System.err.println(candidates.isEmpty() ? "ip:ping: no running IP stack" + (nicName == null ? "" : " on " + nicName)
                    : "ip:ping: several stacks run; choose one with --nic");
            return null;
        }
        IpStack stack = candidates.get(0);
        int received = 0;
        for (int i = 1; i <= count; i++) {
            Optional<Duration> rtt = stack.ping(target, Duration.ofSeconds(timeoutSeconds));
            if (rtt.isPresent()) {
                received++;
                System.out.printf("reply from %s: seq=%d time=%.2f ms%n", target.getHostAddress(), i,
                        rtt.get().toNanos() / 1e6);
            } else {
                System.out.printf("no reply from %s: seq=%d (waited %d s)%n", target.getHostAddress(), i, timeoutSeconds);
            }
        }
        System.out.printf("%d sent, %d received, %d%% lost%n", count, received, (count - received) * 100 / count);
        return null;
    }
}
