package org.xenpv.xenstore.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.abi.xs.XsError;
import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.platform.spi.XenbusPort;
import org.xenpv.xenstore.TransactionBody;
import org.xenpv.xenstore.Watch;
import org.xenpv.xenstore.WatchListener;
import org.xenpv.xenstore.XenStore;
import org.xenpv.xenstore.XenStoreException;
import org.xenpv.xenstore.XenStoreTransaction;

/**
 * The XenStore of one user over the shared connection: it remembers the
 * watches and transactions it opened so that {@link #release} ends them.
 */
public class XenStoreClient extends NodeOperations implements XenStore {
    private static final Logger LOG = LoggerFactory.getLogger(XenStoreClient.class);

    private final Set<ClientWatch> watches = ConcurrentHashMap.newKeySet();
    private final Set<ClientTransaction> transactions = ConcurrentHashMap.newKeySet();

    XenStoreClient(XsClientConnection connection) {
        super(connection, 0);
    }

    /**
     * A client over a connection of its own to {@code port} (outside OSGi: the bundle's standalone package),
     * which {@link #closeConnection} ends.
     */
    protected XenStoreClient(XenbusPort port, String name, long replyTimeoutMillis) {
        this(new XsClientConnection(port, name, replyTimeoutMillis));
    }

    @Override
    public XenStoreTransaction startTransaction() throws XenStoreException {
        String id = call(XsMessageType.TRANSACTION_START, null, strings("")).text();
        try {
            ClientTransaction transaction = new ClientTransaction(Integer.parseUnsignedInt(id));
            transactions.add(transaction);
            return transaction;
        } catch (NumberFormatException e) {
            throw new XenStoreException(XsError.EIO, "XS_TRANSACTION_START", null, "malformed id '" + id + "'");
        }
    }

    @Override
    public <T> T inTransaction(TransactionBody<T> body) throws XenStoreException {
        XenStoreException conflict = null;
        for (int attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
            try (XenStoreTransaction transaction = startTransaction()) {
                T result = body.run(transaction);
                transaction.commit();
                return result;
            } catch (XenStoreException e) {
                if (e.error() != XsError.EAGAIN) {
                    throw e;
                }
                conflict = e;
            }
        }
        throw new XenStoreException(XsError.EAGAIN, "transaction", null,
                "still conflicting after " + TRANSACTION_ATTEMPTS + " attempts", conflict);
    }

    @Override
    public Watch watch(String path, WatchListener listener) throws XenStoreException {
        checkPath(path, "XS_WATCH");
        ClientWatch watch = new ClientWatch(path, connection.newToken(), listener);
        // Registered before the request: the first event may arrive before the reply.
        connection.addWatch(watch.token, watch);
        try {
            call(XsMessageType.WATCH, path, strings(path, watch.token));
        } catch (XenStoreException e) {
            connection.removeWatch(watch.token);
            throw e;
        }
        watches.add(watch);
        return watch;
    }

    @Override
    public String domainPath(int domid) throws XenStoreException {
        return call(XsMessageType.GET_DOMAIN_PATH, null, strings(Integer.toString(domid))).text();
    }

    /** Ends every watch and transaction this user left open. */
    public void release() {
        for (ClientWatch watch : List.copyOf(watches)) {
            watch.close();
        }
        for (ClientTransaction transaction : List.copyOf(transactions)) {
            try {
                transaction.close();
            } catch (XenStoreException e) {
                LOG.debug("aborting a transaction left open", e);
            }
        }
    }

    /** Closes the connection: only a client whose connection is its own may. */
    protected final void closeConnection() {
        connection.close();
    }

    int openWatches() {
        return watches.size();
    }

    int openTransactions() {
        return transactions.size();
    }

    private final class ClientWatch implements Watch, XsClientConnection.EventSink {
        private final String path;
        private final String token;
        private final WatchListener listener;
        private volatile boolean closed;

        ClientWatch(String path, String token, WatchListener listener) {
            this.path = path;
            this.token = token;
            this.listener = listener;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public String watchedPath() {
            return path;
        }

        @Override
        public void deliver(String eventPath) {
            if (closed) {
                return;
            }
            try {
                listener.changed(eventPath);
            } catch (RuntimeException e) {
                LOG.warn("Watch listener on {} failed for {}", path, eventPath, e);
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            watches.remove(this);
            connection.removeWatch(token);
            if (connection.isOpen()) {
                try {
                    call(XsMessageType.UNWATCH, path, strings(path, token));
                } catch (XenStoreException e) {
                    LOG.debug("unwatching {}", path, e);
                }
            }
            if (!connection.isWatchThread()) {
                // Wait for an event already handed to the watch thread, so none arrives after close returns.
                CountDownLatch drained = new CountDownLatch(1);
                connection.onWatchThread(drained::countDown);
                try {
                    drained.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private final class ClientTransaction extends NodeOperations implements XenStoreTransaction {
        private boolean ended;

        ClientTransaction(int id) {
            super(XenStoreClient.this.connection, id);
        }

        @Override
        public synchronized void commit() throws XenStoreException {
            end("T");
        }

        @Override
        public synchronized void close() throws XenStoreException {
            if (!ended) {
                end("F");
            }
        }

        private void end(String verdict) throws XenStoreException {
            if (ended) {
                throw new XenStoreException(XsError.EINVAL, "XS_TRANSACTION_END", null, "the transaction has ended");
            }
            ended = true;
            transactions.remove(this);
            call(XsMessageType.TRANSACTION_END, null, strings(verdict));
        }
    }

}
