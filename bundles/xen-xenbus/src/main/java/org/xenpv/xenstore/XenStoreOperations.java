package org.xenpv.xenstore;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The node operations, the same inside and outside a transaction. Paths are
 * absolute ("/local/domain/3/device") or relative to this domain's home
 * ("device/vif/0").
 */
@ProviderType
public interface XenStoreOperations {

    /**
     * Reads a node's value as UTF-8.
     *
     * @throws XenStoreException ENOENT when it does not exist, EACCES when this domain may not read it
     */
    String read(String path) throws XenStoreException;

    /** Reads a node's value, or empty when it does not exist. */
    Optional<String> readIfExists(String path) throws XenStoreException;

    /** Reads a node's raw value. */
    byte[] readBytes(String path) throws XenStoreException;

    /** Writes a node, creating it and missing parents. */
    void write(String path, String value) throws XenStoreException;

    void write(String path, byte[] value) throws XenStoreException;

    /** Makes sure a node exists. */
    void mkdir(String path) throws XenStoreException;

    /** Removes a node and everything under it; a missing node is fine when its parent exists. */
    void remove(String path) throws XenStoreException;

    /** The names of a node's children (large directories are read in parts). */
    List<String> directory(String path) throws XenStoreException;

    boolean exists(String path) throws XenStoreException;

    /** A node's permissions; the first entry names the owner and the default access. */
    List<Permission> permissions(String path) throws XenStoreException;

    void setPermissions(String path, List<Permission> permissions) throws XenStoreException;
}
