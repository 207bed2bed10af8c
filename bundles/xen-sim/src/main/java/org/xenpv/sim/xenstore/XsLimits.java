package org.xenpv.sim.xenstore;

/**
 * The server's quotas, with C xenstored's defaults: node value size, nodes a
 * guest may own, children of a node, watches and transactions per connection.
 */
record XsLimits(int maxValueBytes, int maxNodesPerDomain, int maxChildren, int maxWatchesPerConnection,
        int maxTransactionsPerConnection) {
    static final XsLimits DEFAULTS = new XsLimits(2048, 1000, 4096, 128, 10);
}
