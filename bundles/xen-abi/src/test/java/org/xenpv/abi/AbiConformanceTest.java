package org.xenpv.abi;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.xenpv.abi.evtchn.EventChannelOps;
import org.xenpv.abi.grant.GrantStatus;
import org.xenpv.abi.grant.Grants;
import org.xenpv.abi.hypercall.Hypercalls;
import org.xenpv.abi.netif.ExtraInfo;
import org.xenpv.abi.netif.Netif;
import org.xenpv.abi.netif.RxRequest;
import org.xenpv.abi.netif.RxResponse;
import org.xenpv.abi.netif.TxRequest;
import org.xenpv.abi.netif.TxResponse;
import org.xenpv.abi.ring.SharedRingDescriptor;
import org.xenpv.abi.xs.XenbusState;
import org.xenpv.abi.xs.XsError;
import org.xenpv.abi.xs.XsMessageType;
import org.xenpv.abi.xs.XsWire;

/**
 * Every size, offset, capacity, flag and enum value of the Java ABI against
 * what gcc computes from Xen's own public headers (Debian's libxen-dev).
 */
class AbiConformanceTest {

    @Test
    void javaAbiMatchesXenPublicHeaders() throws Exception {
        Map<String, Long> c = NativeProgram.compile("abi_facts", "/usr/include/xen/io/netif.h", "libxen-dev").facts();
        Map<String, Long> java = javaFacts();

        List<String> mismatches = new ArrayList<>();
        java.forEach((name, value) -> {
            Long expected = c.get(name);
            if (expected == null) {
                mismatches.add(name + ": not printed by abi_facts.c");
            } else if (!expected.equals(value)) {
                mismatches.add(name + ": Java " + value + ", C " + expected);
            }
        });
        c.keySet().stream().filter(name -> !java.containsKey(name))
                .forEach(name -> mismatches.add(name + ": printed by abi_facts.c but not checked in Java"));
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " differences from the Xen headers:\n  " + String.join("\n  ", mismatches));
        }
        assertTrue(java.size() > 150, "too few facts compared: " + java.size());
    }

    private static Map<String, Long> javaFacts() {
        Map<String, Long> f = new LinkedHashMap<>();
        for (String ring : List.of("netif_tx", "netif_rx")) {
            if (ring.equals("netif_tx")) {
                f.put("offsetof.netif_tx_sring.req_prod", (long) SharedRingDescriptor.REQ_PROD_OFFSET);
                f.put("offsetof.netif_tx_sring.req_event", (long) SharedRingDescriptor.REQ_EVENT_OFFSET);
                f.put("offsetof.netif_tx_sring.rsp_prod", (long) SharedRingDescriptor.RSP_PROD_OFFSET);
                f.put("offsetof.netif_tx_sring.rsp_event", (long) SharedRingDescriptor.RSP_EVENT_OFFSET);
                f.put("offsetof.netif_tx_sring.pvt", (long) SharedRingDescriptor.PVT_OFFSET);
            }
            f.put("offsetof." + ring + "_sring.ring", (long) SharedRingDescriptor.SLOTS_OFFSET);
        }
        f.put("ring_size.netif_tx", (long) Netif.TX_RING_SIZE);
        f.put("ring_size.netif_rx", (long) Netif.RX_RING_SIZE);
        f.put("sizeof.netif_tx_sring_entry", (long) Netif.TX_RING.slotSize());
        f.put("sizeof.netif_rx_sring_entry", (long) Netif.RX_RING.slotSize());

        f.put("sizeof.netif_tx_request", (long) TxRequest.SIZE);
        f.put("offsetof.netif_tx_request.gref", (long) TxRequest.GREF_OFFSET);
        f.put("offsetof.netif_tx_request.offset", (long) TxRequest.OFFSET_OFFSET);
        f.put("offsetof.netif_tx_request.flags", (long) TxRequest.FLAGS_OFFSET);
        f.put("offsetof.netif_tx_request.id", (long) TxRequest.ID_OFFSET);
        f.put("offsetof.netif_tx_request.size", (long) TxRequest.SIZE_OFFSET);
        f.put("sizeof.netif_tx_response", (long) TxResponse.SIZE);
        f.put("offsetof.netif_tx_response.id", (long) TxResponse.ID_OFFSET);
        f.put("offsetof.netif_tx_response.status", (long) TxResponse.STATUS_OFFSET);
        f.put("sizeof.netif_rx_request", (long) RxRequest.SIZE);
        f.put("offsetof.netif_rx_request.id", (long) RxRequest.ID_OFFSET);
        f.put("offsetof.netif_rx_request.gref", (long) RxRequest.GREF_OFFSET);
        f.put("sizeof.netif_rx_response", (long) RxResponse.SIZE);
        f.put("offsetof.netif_rx_response.id", (long) RxResponse.ID_OFFSET);
        f.put("offsetof.netif_rx_response.offset", (long) RxResponse.OFFSET_OFFSET);
        f.put("offsetof.netif_rx_response.flags", (long) RxResponse.FLAGS_OFFSET);
        f.put("offsetof.netif_rx_response.status", (long) RxResponse.STATUS_OFFSET);
        f.put("sizeof.netif_extra_info", (long) ExtraInfo.SIZE);
        f.put("offsetof.netif_extra_info.type", (long) ExtraInfo.TYPE_OFFSET);
        f.put("offsetof.netif_extra_info.flags", (long) ExtraInfo.FLAGS_OFFSET);
        f.put("offsetof.netif_extra_info.u", (long) ExtraInfo.UNION_OFFSET);
        f.put("offsetof.netif_extra_info.u.gso.size", (long) ExtraInfo.GSO_SIZE_OFFSET);
        f.put("offsetof.netif_extra_info.u.gso.type", (long) ExtraInfo.GSO_TYPE_OFFSET);
        f.put("offsetof.netif_extra_info.u.gso.pad", (long) ExtraInfo.GSO_PAD_OFFSET);
        f.put("offsetof.netif_extra_info.u.gso.features", (long) ExtraInfo.GSO_FEATURES_OFFSET);
        f.put("offsetof.netif_extra_info.u.mcast.addr", (long) ExtraInfo.MCAST_ADDR_OFFSET);
        f.put("offsetof.netif_extra_info.u.hash.type", (long) ExtraInfo.HASH_TYPE_OFFSET);
        f.put("offsetof.netif_extra_info.u.hash.algorithm", (long) ExtraInfo.HASH_ALGORITHM_OFFSET);
        f.put("offsetof.netif_extra_info.u.hash.value", (long) ExtraInfo.HASH_VALUE_OFFSET);

        f.put("NETTXF_csum_blank", (long) Netif.NETTXF_CSUM_BLANK);
        f.put("NETTXF_data_validated", (long) Netif.NETTXF_DATA_VALIDATED);
        f.put("NETTXF_more_data", (long) Netif.NETTXF_MORE_DATA);
        f.put("NETTXF_extra_info", (long) Netif.NETTXF_EXTRA_INFO);
        f.put("NETRXF_data_validated", (long) Netif.NETRXF_DATA_VALIDATED);
        f.put("NETRXF_csum_blank", (long) Netif.NETRXF_CSUM_BLANK);
        f.put("NETRXF_more_data", (long) Netif.NETRXF_MORE_DATA);
        f.put("NETRXF_extra_info", (long) Netif.NETRXF_EXTRA_INFO);
        f.put("NETRXF_gso_prefix", (long) Netif.NETRXF_GSO_PREFIX);
        f.put("XEN_NETIF_EXTRA_TYPE_NONE", (long) Netif.XEN_NETIF_EXTRA_TYPE_NONE);
        f.put("XEN_NETIF_EXTRA_TYPE_GSO", (long) Netif.XEN_NETIF_EXTRA_TYPE_GSO);
        f.put("XEN_NETIF_EXTRA_TYPE_MCAST_ADD", (long) Netif.XEN_NETIF_EXTRA_TYPE_MCAST_ADD);
        f.put("XEN_NETIF_EXTRA_TYPE_MCAST_DEL", (long) Netif.XEN_NETIF_EXTRA_TYPE_MCAST_DEL);
        f.put("XEN_NETIF_EXTRA_TYPE_HASH", (long) Netif.XEN_NETIF_EXTRA_TYPE_HASH);
        f.put("XEN_NETIF_EXTRA_TYPE_MAX", (long) Netif.XEN_NETIF_EXTRA_TYPE_MAX);
        f.put("XEN_NETIF_EXTRA_FLAG_MORE", (long) Netif.XEN_NETIF_EXTRA_FLAG_MORE);
        f.put("XEN_NETIF_GSO_TYPE_NONE", (long) Netif.XEN_NETIF_GSO_TYPE_NONE);
        f.put("XEN_NETIF_GSO_TYPE_TCPV4", (long) Netif.XEN_NETIF_GSO_TYPE_TCPV4);
        f.put("XEN_NETIF_GSO_TYPE_TCPV6", (long) Netif.XEN_NETIF_GSO_TYPE_TCPV6);
        f.put("NETIF_RSP_DROPPED", (long) Netif.NETIF_RSP_DROPPED);
        f.put("NETIF_RSP_ERROR", (long) Netif.NETIF_RSP_ERROR);
        f.put("NETIF_RSP_OKAY", (long) Netif.NETIF_RSP_OKAY);
        f.put("NETIF_RSP_NULL", (long) Netif.NETIF_RSP_NULL);
        f.put("XEN_NETIF_NR_SLOTS_MIN", (long) Netif.XEN_NETIF_NR_SLOTS_MIN);
        f.put("XEN_NETIF_MAX_TX_SIZE", (long) Netif.XEN_NETIF_MAX_TX_SIZE);

        f.put("sizeof.xsd_sockmsg", (long) XsWire.HEADER_SIZE);
        f.put("offsetof.xsd_sockmsg.type", (long) XsWire.TYPE_OFFSET);
        f.put("offsetof.xsd_sockmsg.req_id", (long) XsWire.REQ_ID_OFFSET);
        f.put("offsetof.xsd_sockmsg.tx_id", (long) XsWire.TX_ID_OFFSET);
        f.put("offsetof.xsd_sockmsg.len", (long) XsWire.LEN_OFFSET);
        for (XsMessageType type : XsMessageType.values()) {
            f.put("XS_" + type.name(), (long) type.code());
        }
        f.put("XS_TYPE_COUNT", (long) XsMessageType.TYPE_COUNT);
        f.put("XS_INVALID", (long) XsMessageType.INVALID);
        f.put("XS_WATCH_PATH", (long) XsWire.WATCH_PATH);
        f.put("XS_WATCH_TOKEN", (long) XsWire.WATCH_TOKEN);
        f.put("XENSTORE_PAYLOAD_MAX", (long) XsWire.PAYLOAD_MAX);
        f.put("XENSTORE_ABS_PATH_MAX", (long) XsWire.ABS_PATH_MAX);
        f.put("XENSTORE_REL_PATH_MAX", (long) XsWire.REL_PATH_MAX);
        for (XsError error : XsError.values()) {
            f.put("xsd_errors." + error.ordinal() + "." + error.name(), (long) error.errno());
        }

        String[] stateNames = {"Unknown", "Initialising", "InitWait", "Initialised", "Connected", "Closing",
            "Closed", "Reconfiguring", "Reconfigured"};
        for (XenbusState state : XenbusState.values()) {
            f.put("XenbusState" + stateNames[state.ordinal()], (long) state.code());
        }

        f.put("GTF_invalid", (long) Grants.GTF_INVALID);
        f.put("GTF_permit_access", (long) Grants.GTF_PERMIT_ACCESS);
        f.put("GTF_accept_transfer", (long) Grants.GTF_ACCEPT_TRANSFER);
        f.put("GTF_transitive", (long) Grants.GTF_TRANSITIVE);
        f.put("GTF_type_mask", (long) Grants.GTF_TYPE_MASK);
        f.put("GTF_readonly", (long) Grants.GTF_READONLY);
        f.put("GTF_reading", (long) Grants.GTF_READING);
        f.put("GTF_writing", (long) Grants.GTF_WRITING);
        f.put("GNTCOPY_source_gref", (long) Grants.GNTCOPY_SOURCE_GREF);
        f.put("GNTCOPY_dest_gref", (long) Grants.GNTCOPY_DEST_GREF);
        f.put("GNTMAP_readonly", (long) Grants.GNTMAP_READONLY);
        f.put("GNTTAB_NR_RESERVED_ENTRIES", (long) Grants.GNTTAB_NR_RESERVED_ENTRIES);
        for (GrantStatus status : GrantStatus.values()) {
            f.put("GNTST_" + status.name().toLowerCase(java.util.Locale.ROOT), (long) status.code());
        }
        f.put("DOMID_FIRST_RESERVED", (long) Grants.DOMID_FIRST_RESERVED);
        f.put("DOMID_SELF", (long) Grants.DOMID_SELF);
        f.put("DOMID_IO", (long) Grants.DOMID_IO);
        f.put("DOMID_XEN", (long) Grants.DOMID_XEN);
        f.put("DOMID_COW", (long) Grants.DOMID_COW);
        f.put("DOMID_INVALID", (long) Grants.DOMID_INVALID);
        f.put("DOMID_IDLE", (long) Grants.DOMID_IDLE);
        f.put("DOMID_MASK", (long) Grants.DOMID_MASK);

        f.put("EVTCHNOP_bind_interdomain", (long) EventChannelOps.EVTCHNOP_BIND_INTERDOMAIN);
        f.put("EVTCHNOP_close", (long) EventChannelOps.EVTCHNOP_CLOSE);
        f.put("EVTCHNOP_send", (long) EventChannelOps.EVTCHNOP_SEND);
        f.put("EVTCHNOP_status", (long) EventChannelOps.EVTCHNOP_STATUS);
        f.put("EVTCHNOP_alloc_unbound", (long) EventChannelOps.EVTCHNOP_ALLOC_UNBOUND);
        f.put("EVTCHNOP_unmask", (long) EventChannelOps.EVTCHNOP_UNMASK);
        f.put("__HYPERVISOR_xen_version", (long) Hypercalls.HYPERVISOR_XEN_VERSION);
        f.put("__HYPERVISOR_grant_table_op", (long) Hypercalls.HYPERVISOR_GRANT_TABLE_OP);
        f.put("XENVER_version", (long) Hypercalls.XENVER_VERSION);
        f.put("XENVER_extraversion", (long) Hypercalls.XENVER_EXTRAVERSION);
        return f;
    }
}
