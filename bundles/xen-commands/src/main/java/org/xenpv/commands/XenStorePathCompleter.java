package org.xenpv.commands;

import java.util.ArrayList;
import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.xenpv.platform.XenPlatform;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

/**
 * Completes XenStore paths one level at a time, as a shell completes file
 * names: {@code /local/<TAB>} offers the children of {@code /local}; a node
 * with children of its own is offered with a trailing '/' so that the next
 * Tab goes one level down, a leaf with a space after it. Absolute paths
 * complete from the root; relative ones (from this domain's home) once they
 * contain a '/'. A guest may not list the nodes above its home
 * ({@code /local/domain} is dom0's), so where a listing is refused the way
 * to the home, /local/domain/&lt;domid&gt;, is offered instead.
 */
@Service
public class XenStorePathCompleter implements Completer {
    @Reference(optional = true)
    XenStore store;

    @Reference(optional = true)
    XenPlatform platform;

    /** The names of a node's children; the seam for tests. */
    interface Children {
        List<String> of(String path) throws XenStoreException;
    }

    /** One completion: the whole path, and whether it has children to descend into. */
    record PathCandidate(String path, boolean hasChildren) {
    }

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        for (PathCandidate candidate : candidatesFor(commandLine)) {
            candidates.add(candidate.hasChildren() ? candidate.path() : candidate.path() + " ");
        }
        return commandLine.getBufferPosition() - commandLine.getArgumentPosition();
    }

    @Override
    public void completeCandidates(Session session, CommandLine commandLine, List<Candidate> candidates) {
        for (PathCandidate candidate : candidatesFor(commandLine)) {
            // complete = false: no space after a node with children, the user goes on typing below it
            candidates.add(new Candidate(candidate.path(), !candidate.hasChildren()));
        }
    }

    private List<PathCandidate> candidatesFor(CommandLine commandLine) {
        XenStore current = store;
        if (current == null) {
            return List.of();
        }
        String typed = commandLine.getCursorArgument() == null ? ""
                : commandLine.getCursorArgument().substring(0, commandLine.getArgumentPosition());
        return candidates(typed, current::directory, home(current));
    }

    private String home(XenStore current) {
        XenPlatform known = platform;
        try {
            return known == null ? null : current.domainPath(known.domid());
        } catch (XenStoreException e) {
            return null;
        }
    }

    /**
     * The children of the node {@code typed} ends in (up to its last '/')
     * whose names start with what follows that '/'. When that node does not
     * exist or cannot be read: the next step towards {@code home} (this
     * domain's home path, null when unknown) if the node is on the way
     * there, otherwise nothing.
     */
    static List<PathCandidate> candidates(String typed, Children children, String home) {
        String path = typed.isEmpty() ? "/" : typed;
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return List.of();
        }
        String directory = path.substring(0, slash + 1); // "/", "/local/", "device/"
        String prefix = path.substring(slash + 1);
        String parent = directory.equals("/") ? "/" : directory.substring(0, directory.length() - 1);
        List<String> names;
        try {
            names = children.of(parent);
        } catch (XenStoreException e) {
            return towardsHome(directory, prefix, home);
        }
        List<PathCandidate> candidates = new ArrayList<>();
        for (String name : names) {
            if (name.startsWith(prefix)) {
                String child = directory + name;
                candidates.add(hasChildren(children, child) ? new PathCandidate(child + "/", true)
                        : new PathCandidate(child, false));
            }
        }
        return candidates;
    }

    private static List<PathCandidate> towardsHome(String directory, String prefix, String home) {
        if (home == null || !home.startsWith(directory) || home.length() == directory.length()) {
            return List.of();
        }
        String next = home.substring(directory.length()).split("/")[0];
        return next.startsWith(prefix) ? List.of(new PathCandidate(directory + next + "/", true)) : List.of();
    }

    private static boolean hasChildren(Children children, String path) {
        try {
            return !children.of(path).isEmpty();
        } catch (XenStoreException e) {
            return false;
        }
    }
}
