package org.xenpv.commands;

import java.util.Comparator;
import java.util.List;

import org.xenpv.net.Nic;

/** The Nic services Karaf injected into a command, by name. */
final class Nics {
    private Nics() {
    }

    /** The Nics in name order; none when Karaf injected no list. */
    static List<Nic> sorted(List<Nic> nics) {
        return nics == null ? List.of() : nics.stream().sorted(Comparator.comparing(Nic::name)).toList();
    }

    /** The Nic named {@code name}, or an error that lists the names there are. */
    static Nic named(List<Nic> nics, String name) {
        List<Nic> all = sorted(nics);
        for (Nic nic : all) {
            if (nic.name().equals(name)) {
                return nic;
            }
        }
        throw new IllegalArgumentException("no vif named '" + name + "'; connected vifs: "
                + (all.isEmpty() ? "none (is xenpv-netfront installed?)"
                        : String.join(", ", all.stream().map(Nic::name).toList())));
    }
}
