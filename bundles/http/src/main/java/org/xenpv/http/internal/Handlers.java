package org.xenpv.http.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.xenpv.http.HttpHandler;

/**
 * The handler services a server uses, ordered so that the first whose prefix
 * matches a path is the one to call: longest prefix first, then the higher
 * ranking, then the older service.
 */
final class Handlers {
    /** One registered handler. */
    record Entry(String prefix, int ranking, long serviceId, HttpHandler handler) {
        boolean matches(String path) {
            if (prefix.endsWith("/")) {
                return path.startsWith(prefix) || path.equals(prefix.substring(0, prefix.length() - 1));
            }
            return path.equals(prefix) || path.startsWith(prefix + "/");
        }
    }

    private static final Comparator<Entry> ORDER = Comparator.comparingInt((Entry e) -> e.prefix().length())
            .reversed().thenComparing(Comparator.comparingInt(Entry::ranking).reversed())
            .thenComparingLong(Entry::serviceId);

    // Written under this object's lock, read without one by every connection thread.
    private volatile List<Entry> entries = List.of();

    /**
     * Checks a prefix as a service gave it.
     *
     * @return the prefix, or empty when it cannot be one (the caller logs why)
     */
    static Optional<String> validPrefix(Object property) {
        if (!(property instanceof String prefix) || !prefix.startsWith("/") || prefix.contains("?")
                || prefix.contains("#")) {
            return Optional.empty();
        }
        return Optional.of(prefix);
    }

    synchronized void add(Entry entry) {
        List<Entry> next = new ArrayList<>(entries);
        next.add(entry);
        next.sort(ORDER);
        entries = List.copyOf(next);
    }

    synchronized void remove(long serviceId) {
        List<Entry> next = new ArrayList<>(entries);
        next.removeIf(e -> e.serviceId() == serviceId);
        entries = List.copyOf(next);
    }

    Optional<Entry> match(String path) {
        for (Entry entry : entries) {
            if (entry.matches(path)) {
                return Optional.of(entry);
            }
        }
        return Optional.empty();
    }
}
