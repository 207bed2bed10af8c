package org.xenpv.stack.lwip.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The sockets of one stack, so that closing the stack closes every one of them. */
final class SocketRegistry {
    private final Set<LwipSocket> open = ConcurrentHashMap.newKeySet();
    private volatile String closedBecause;

    /** @return false when the stack is closed: the socket must not be used */
    synchronized boolean add(LwipSocket socket) {
        if (closedBecause != null) {
            return false;
        }
        open.add(socket);
        return true;
    }

    void remove(LwipSocket socket) {
        open.remove(socket);
    }

    List<LwipSocket> snapshot() {
        return new ArrayList<>(open);
    }

    int size() {
        return open.size();
    }

    /** Closes every socket: all are marked first, so that their waiters stop together. */
    void closeAll(String why) {
        synchronized (this) {
            closedBecause = why;
        }
        List<LwipSocket> sockets = snapshot();
        sockets.forEach(socket -> socket.markClosed(why));
        sockets.forEach(socket -> socket.closeBecause(why));
    }
}
