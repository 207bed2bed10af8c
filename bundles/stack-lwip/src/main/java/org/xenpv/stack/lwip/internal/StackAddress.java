package org.xenpv.stack.lwip.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import org.xenpv.stack.lwip.IpStack;

/** A stack's configured IPv4 address, prefix length and gateway, checked. */
record StackAddress(Inet4Address address, int prefixLength, Inet4Address gateway) {
    private static final String DOTTED_QUAD = "[0-9]{1,3}(\\.[0-9]{1,3}){3}";

    /**
     * @param cidr for example 192.0.2.2/24
     * @param gateway empty or null for none
     * @throws IllegalArgumentException naming the key and what is wrong with it
     */
    static StackAddress parse(String cidr, String gateway) {
        String text = cidr == null ? "" : cidr.trim();
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw wrong(IpStack.KEY_ADDRESS, text, "is not an IPv4 address with a prefix length, such as 192.0.2.2/24");
        }
        Inet4Address address = ipv4(text.substring(0, slash), IpStack.KEY_ADDRESS);
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw wrong(IpStack.KEY_ADDRESS, text, "has a prefix length that is not a number");
        }
        if (prefix < 1 || prefix > 32) {
            throw wrong(IpStack.KEY_ADDRESS, text, "has a prefix length that is not 1 to 32");
        }
        String gw = gateway == null ? "" : gateway.trim();
        return new StackAddress(address, prefix, gw.isEmpty() ? null : ipv4(gw, IpStack.KEY_GATEWAY));
    }

    private static Inet4Address ipv4(String text, String key) {
        if (!text.matches(DOTTED_QUAD)) {
            throw wrong(key, text, "is not an IPv4 address");
        }
        try {
            return (Inet4Address) InetAddress.getByName(text);
        } catch (UnknownHostException | ClassCastException e) {
            throw wrong(key, text, "is not an IPv4 address");
        }
    }

    private static IllegalArgumentException wrong(String key, String value, String why) {
        return new IllegalArgumentException("configuration " + IpStack.FACTORY_PID + ": " + key + " = '" + value
                + "' " + why);
    }
}
