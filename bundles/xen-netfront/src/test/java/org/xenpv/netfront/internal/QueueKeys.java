package org.xenpv.netfront.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.xenpv.abi.netif.Netif;
import org.xenpv.xenstore.Permission;
import org.xenpv.xenstore.XenStoreOperations;

/**
 * The keys a queue writes for its backend ({@link NetfrontQueue#writeKeys}),
 * kept in memory for a test that plays the backend without XenStore.
 */
final class QueueKeys implements XenStoreOperations {
    private static final String DIR = "queue";
    private final Map<String, String> written = new HashMap<>();

    static QueueKeys of(NetfrontQueue queue) throws Exception {
        QueueKeys keys = new QueueKeys();
        queue.writeKeys(keys, DIR);
        return keys;
    }

    private int number(String key) {
        String value = written.get(DIR + "/" + key);
        if (value == null) {
            throw new AssertionError("the queue wrote no " + key + ": " + written);
        }
        return Integer.parseInt(value);
    }

    int txRingRef() {
        return number(Netif.Keys.TX_RING_REF);
    }

    int rxRingRef() {
        return number(Netif.Keys.RX_RING_REF);
    }

    int txEventPort() {
        return written.containsKey(DIR + "/" + Netif.Keys.EVENT_CHANNEL) ? number(Netif.Keys.EVENT_CHANNEL)
                : number(Netif.Keys.EVENT_CHANNEL_TX);
    }

    int rxEventPort() {
        return written.containsKey(DIR + "/" + Netif.Keys.EVENT_CHANNEL) ? number(Netif.Keys.EVENT_CHANNEL)
                : number(Netif.Keys.EVENT_CHANNEL_RX);
    }

    @Override
    public void write(String path, String value) {
        written.put(path, value);
    }

    @Override
    public String read(String path) {
        throw new UnsupportedOperationException("a queue only writes its keys");
    }

    @Override
    public Optional<String> readIfExists(String path) {
        throw new UnsupportedOperationException("a queue only writes its keys");
    }

    @Override
    public byte[] readBytes(String path) {
        throw new UnsupportedOperationException("a queue only writes its keys");
    }

    @Override
    public void write(String path, byte[] value) {
        throw new UnsupportedOperationException("a queue writes its keys as text");
    }

    @Override
    public void mkdir(String path) {
        throw new UnsupportedOperationException("a queue only writes its keys");
    }

    @Override
    public void remove(String path) {
        throw new UnsupportedOperationException("a queue only writes its keys");
    }

    @Override
    public List<String> directory(String path) {
        throw new UnsupportedOperationException("a queue only writes its keys");
    }

    @Override
    public boolean exists(String path) {
        throw new UnsupportedOperationException("a queue only writes its keys");
    }

    @Override
    public List<Permission> permissions(String path) {
        throw new UnsupportedOperationException("a queue only writes its keys");
    }

    @Override
    public void setPermissions(String path, List<Permission> permissions) {
        throw new UnsupportedOperationException("a queue only writes its keys");
    }
}
