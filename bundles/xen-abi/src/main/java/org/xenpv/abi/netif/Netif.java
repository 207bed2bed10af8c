package org.xenpv.abi.netif;

import org.xenpv.abi.ring.RingEntryLayout;
import org.xenpv.abi.ring.SharedRingDescriptor;

/** Constants of netif.h: flags, status codes, limits, ring layouts and XenStore keys. */
public final class Netif {

    // TX request flags (NETTXF_*).
    /** The protocol checksum is not filled in: the receiver computes it. */
    public static final int NETTXF_CSUM_BLANK = 1 << 0;
    /** The protocol checksum has been validated. */
    public static final int NETTXF_DATA_VALIDATED = 1 << 1;
    /** Another slot of the same packet follows. */
    public static final int NETTXF_MORE_DATA = 1 << 2;
    /** An extra-info slot follows this request. */
    public static final int NETTXF_EXTRA_INFO = 1 << 3;

    // RX response flags (NETRXF_*).
    public static final int NETRXF_DATA_VALIDATED = 1 << 0;
    public static final int NETRXF_CSUM_BLANK = 1 << 1;
    public static final int NETRXF_MORE_DATA = 1 << 2;
    public static final int NETRXF_EXTRA_INFO = 1 << 3;
    public static final int NETRXF_GSO_PREFIX = 1 << 4;

    // Extra-info types and flags.
    public static final int XEN_NETIF_EXTRA_TYPE_NONE = 0;
    public static final int XEN_NETIF_EXTRA_TYPE_GSO = 1;
    public static final int XEN_NETIF_EXTRA_TYPE_MCAST_ADD = 2;
    public static final int XEN_NETIF_EXTRA_TYPE_MCAST_DEL = 3;
    public static final int XEN_NETIF_EXTRA_TYPE_HASH = 4;
    public static final int XEN_NETIF_EXTRA_TYPE_MAX = 5;
    public static final int XEN_NETIF_EXTRA_FLAG_MORE = 1 << 0;

    // GSO types.
    public static final int XEN_NETIF_GSO_TYPE_NONE = 0;
    public static final int XEN_NETIF_GSO_TYPE_TCPV4 = 1;
    public static final int XEN_NETIF_GSO_TYPE_TCPV6 = 2;

    // Response status codes.
    public static final int NETIF_RSP_DROPPED = -2;
    public static final int NETIF_RSP_ERROR = -1;
    public static final int NETIF_RSP_OKAY = 0;
    /** No response: used for the slot of an extra-info request. */
    public static final int NETIF_RSP_NULL = 1;

    // Limits.
    /** Slots per packet every back end must accept. */
    public static final int XEN_NETIF_NR_SLOTS_MIN = 18;
    /** Largest packet on the TX ring: size is a 16-bit field. */
    public static final int XEN_NETIF_MAX_TX_SIZE = 0xFFFF;

    // Ring layouts: 256 slots each in one page.
    public static final RingEntryLayout TX_RING = new RingEntryLayout("netif_tx", TxRequest.SIZE, TxResponse.SIZE);
    public static final RingEntryLayout RX_RING = new RingEntryLayout("netif_rx", RxRequest.SIZE, RxResponse.SIZE);
    public static final int TX_RING_SIZE = SharedRingDescriptor.capacity(TX_RING);
    public static final int RX_RING_SIZE = SharedRingDescriptor.capacity(RX_RING);

    private Netif() {
    }

    /** XenStore keys of the vif protocol, frontend and backend directories. */
    public static final class Keys {
        // Written by the toolstack.
        public static final String MAC = "mac";
        public static final String MTU = "mtu";
        public static final String HANDLE = "handle";
        public static final String TRUSTED = "trusted";
        public static final String BRIDGE = "bridge";
        public static final String ONLINE = "online";
        public static final String FRONTEND = "frontend";
        public static final String FRONTEND_ID = "frontend-id";
        public static final String BACKEND = "backend";
        public static final String BACKEND_ID = "backend-id";
        public static final String STATE = "state";

        // Advertised by the backend.
        public static final String FEATURE_SG = "feature-sg";
        public static final String FEATURE_GSO_TCPV4 = "feature-gso-tcpv4";
        public static final String FEATURE_GSO_TCPV6 = "feature-gso-tcpv6";
        public static final String FEATURE_IPV6_CSUM_OFFLOAD = "feature-ipv6-csum-offload";
        public static final String FEATURE_NO_CSUM_OFFLOAD = "feature-no-csum-offload";
        public static final String FEATURE_RX_COPY = "feature-rx-copy";
        public static final String FEATURE_RX_FLIP = "feature-rx-flip";
        public static final String FEATURE_MULTICAST_CONTROL = "feature-multicast-control";
        public static final String FEATURE_DYNAMIC_MULTICAST_CONTROL = "feature-dynamic-multicast-control";
        public static final String FEATURE_SPLIT_EVENT_CHANNELS = "feature-split-event-channels";
        public static final String FEATURE_CTRL_RING = "feature-ctrl-ring";
        public static final String MULTI_QUEUE_MAX_QUEUES = "multi-queue-max-queues";

        // Written by the frontend.
        public static final String TX_RING_REF = "tx-ring-ref";
        public static final String RX_RING_REF = "rx-ring-ref";
        public static final String EVENT_CHANNEL = "event-channel";
        public static final String EVENT_CHANNEL_TX = "event-channel-tx";
        public static final String EVENT_CHANNEL_RX = "event-channel-rx";
        public static final String REQUEST_RX_COPY = "request-rx-copy";
        public static final String REQUEST_MULTICAST_CONTROL = "request-multicast-control";
        public static final String FEATURE_RX_NOTIFY = "feature-rx-notify";
        public static final String MULTI_QUEUE_NUM_QUEUES = "multi-queue-num-queues";
        public static final String CTRL_RING_REF = "ctrl-ring-ref";
        public static final String EVENT_CHANNEL_CTRL = "event-channel-ctrl";

        private Keys() {
        }

        /** The subdirectory of queue {@code n} when more than one queue is used: "queue-n". */
        public static String queueDirectory(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("negative queue number " + n);
            }
            return "queue-" + n;
        }
    }
}
