package org.xenpv.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.junit.jupiter.api.Test;
import org.xenpv.abi.xs.XsError;
import org.xenpv.commands.XenStorePathCompleter.PathCandidate;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;

class XenStorePathCompleterTest {

    /** A small XenStore tree: each node and its children; nodes absent here do not exist. */
    private static final Map<String, List<String>> TREE = Map.of(
            "/", List.of("local", "tool", "vm"),
            "/local", List.of("domain"),
            "/local/domain", List.of("0", "1", "12"),
            "/local/domain/1", List.of("name", "device"),
            "/local/domain/1/name", List.of(),
            "/local/domain/1/device", List.of(),
            "/tool", List.of(),
            "/vm", List.of(),
            "device", List.of("vif"),
            "device/vif", List.of());

    private static List<String> children(String path) throws XenStoreException {
        List<String> children = TREE.get(path);
        if (children == null) {
            throw new XenStoreException(XsError.ENOENT, "directory", path, null);
        }
        return children;
    }

    private static List<PathCandidate> complete(String typed) {
        return XenStorePathCompleter.candidates(typed, XenStorePathCompleterTest::children, null);
    }

    @Test
    void whereAGuestMayNotListTheWayToItsHomeIsOffered() {
        XenStorePathCompleter.Children guest = path -> {
            if (path.startsWith("/local/domain/3")) {
                return path.equals("/local/domain/3") ? List.of("device", "name") : List.of();
            }
            throw new XenStoreException(XsError.EACCES, "directory", path, null);
        };
        String home = "/local/domain/3";
        assertEquals(List.of(new PathCandidate("/local/", true)),
                XenStorePathCompleter.candidates("/", guest, home));
        assertEquals(List.of(new PathCandidate("/local/domain/", true)),
                XenStorePathCompleter.candidates("/local/", guest, home));
        assertEquals(List.of(new PathCandidate("/local/domain/3/", true)),
                XenStorePathCompleter.candidates("/local/domain/", guest, home));
        assertEquals(List.of(new PathCandidate("/local/domain/3/device", false),
                new PathCandidate("/local/domain/3/name", false)),
                XenStorePathCompleter.candidates("/local/domain/3/", guest, home));
        assertEquals(List.of(), XenStorePathCompleter.candidates("/tool/", guest, home));
        assertEquals(List.of(), XenStorePathCompleter.candidates("/x", guest, home));
    }

    @Test
    void emptyOffersTheRootsChildren() {
        assertEquals(List.of(new PathCandidate("/local/", true), new PathCandidate("/tool", false),
                new PathCandidate("/vm", false)), complete(""));
        assertEquals(complete(""), complete("/"));
    }

    @Test
    void completesOneLevelAtATime() {
        assertEquals(List.of(new PathCandidate("/local/", true)), complete("/lo"));
        assertEquals(List.of(new PathCandidate("/local/domain/", true)), complete("/local/"));
        assertEquals(List.of(new PathCandidate("/local/domain/1/", true), new PathCandidate("/local/domain/12", false)),
                complete("/local/domain/1"));
    }

    @Test
    void leavesAreOfferedWithoutTrailingSlash() {
        assertEquals(List.of(new PathCandidate("/local/domain/1/device", false),
                new PathCandidate("/local/domain/1/name", false)).stream().sorted(
                        (a, b) -> a.path().compareTo(b.path())).toList(),
                complete("/local/domain/1/").stream().sorted((a, b) -> a.path().compareTo(b.path())).toList());
    }

    @Test
    void relativePathsCompleteOnceTheyHaveASlash() {
        assertEquals(List.of(new PathCandidate("device/vif", false)), complete("device/"));
        assertEquals(List.of(), complete("dev"));
    }

    @Test
    void aMissingNodeOffersNothing() {
        assertEquals(List.of(), complete("/nowhere/x"));
        assertEquals(List.of(), complete("/local/domain/7/"));
    }

    @Test
    void theCompleterListsThroughTheXenStoreServiceAndLeavesNoSpaceAfterADirectory() {
        XenStorePathCompleter completer = new XenStorePathCompleter();
        completer.store = (XenStore) Proxy.newProxyInstance(XenStore.class.getClassLoader(),
                new Class<?>[] {XenStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("directory")) {
                        return children((String) args[0]);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        List<Candidate> candidates = new ArrayList<>();
        completer.completeCandidates(null, commandLine("xenstore:ls /local/d"), candidates);
        assertEquals(1, candidates.size());
        assertEquals("/local/domain/", candidates.get(0).value());
        assertEquals(false, candidates.get(0).complete());

        candidates.clear();
        completer.completeCandidates(null, commandLine("xenstore:read /local/domain/1/na"), candidates);
        assertEquals("/local/domain/1/name", candidates.get(0).value());
        assertEquals(true, candidates.get(0).complete());
    }

    @Test
    void withoutAXenStoreThereIsNothingToOffer() {
        List<Candidate> candidates = new ArrayList<>();
        new XenStorePathCompleter().completeCandidates(null, commandLine("xenstore:ls /lo"), candidates);
        assertEquals(List.of(), candidates);
    }

    /** The command line as the console hands it over with the cursor at its end. */
    private static CommandLine commandLine(String line) {
        String[] words = line.split(" ");
        String last = words[words.length - 1];
        return new CommandLine() {
            @Override
            public int getCursorArgumentIndex() {
                return words.length - 1;
            }

            @Override
            public String getCursorArgument() {
                return last;
            }

            @Override
            public int getArgumentPosition() {
                return last.length();
            }

            @Override
            public String[] getArguments() {
                return words;
            }

            @Override
            public int getBufferPosition() {
                return line.length();
            }

            @Override
            public String getBuffer() {
                return line;
            }
        };
    }
}
