package org.xenpv.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.xenpv.http.HttpHandler;
import org.xenpv.http.HttpResponse;

class HandlersTest {
    private static HttpHandler answering(String text) {
        return request -> HttpResponse.text(200, text);
    }

    private static Optional<Long> match(Handlers handlers, String path) {
        return handlers.match(path).map(Handlers.Entry::serviceId);
    }

    @Test
    void theLongestPrefixThenTheHighestRankingThenTheOldestServiceWins() {
        Handlers handlers = new Handlers();
        handlers.add(new Handlers.Entry("/", 0, 1, answering("root")));
        handlers.add(new Handlers.Entry("/a", 0, 2, answering("a")));
        handlers.add(new Handlers.Entry("/a/b", 0, 3, answering("a/b")));
        handlers.add(new Handlers.Entry("/a/b", 5, 4, answering("a/b ranked")));
        handlers.add(new Handlers.Entry("/c/", 0, 6, answering("c")));
        handlers.add(new Handlers.Entry("/c/", 0, 5, answering("c older")));

        assertEquals(Optional.of(4L), match(handlers, "/a/b/c"));
        assertEquals(Optional.of(4L), match(handlers, "/a/b"));
        assertEquals(Optional.of(2L), match(handlers, "/a/bc"));
        assertEquals(Optional.of(2L), match(handlers, "/a"));
        assertEquals(Optional.of(1L), match(handlers, "/ab"));
        assertEquals(Optional.of(5L), match(handlers, "/c"));
        assertEquals(Optional.of(5L), match(handlers, "/c/d"));

        handlers.remove(4);
        assertEquals(Optional.of(3L), match(handlers, "/a/b/c"));
        handlers.remove(1);
        assertTrue(handlers.match("/ab").isEmpty());
    }

    @Test
    void aPrefixIsAPath() {
        assertEquals(Optional.of("/x"), Handlers.validPrefix("/x"));
        for (Object bad : new Object[] {null, "", "x", "/x?y", "/x#y", 17}) {
            assertTrue(Handlers.validPrefix(bad).isEmpty(), String.valueOf(bad));
        }
    }
}
