/*
 * Prints, one "name value" per line, every size, offset, ring capacity, flag
 * and enum value of the Xen public headers that xenpv's Java ABI mirrors.
 * Compiled by AbiConformanceTest against the installed headers (libxen-dev).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <xen/xen.h>
#include <xen/version.h>
#include <xen/grant_table.h>
#include <xen/event_channel.h>
#include <xen/io/ring.h>
#include <xen/io/netif.h>
#include <xen/io/xs_wire.h>
#include <xen/io/xenbus.h>

#define FACT(name, value) printf("%s %lld\n", name, (long long)(value))
#define SIZE(type) FACT("sizeof." #type, sizeof(struct type))
#define OFFSET(type, field) FACT("offsetof." #type "." #field, offsetof(struct type, field))
#define CONST(name) FACT(#name, name)

int main(void)
{
    /* ring.h: the shared ring header and capacities of one 4096-byte page */
    OFFSET(netif_tx_sring, req_prod);
    OFFSET(netif_tx_sring, req_event);
    OFFSET(netif_tx_sring, rsp_prod);
    OFFSET(netif_tx_sring, rsp_event);
    OFFSET(netif_tx_sring, pvt);
    OFFSET(netif_tx_sring, ring);
    OFFSET(netif_rx_sring, ring);
    FACT("ring_size.netif_tx", __CONST_RING_SIZE(netif_tx, 4096));
    FACT("ring_size.netif_rx", __CONST_RING_SIZE(netif_rx, 4096));
    FACT("sizeof.netif_tx_sring_entry", sizeof(union netif_tx_sring_entry));
    FACT("sizeof.netif_rx_sring_entry", sizeof(union netif_rx_sring_entry));

    /* netif.h entries */
    SIZE(netif_tx_request);
    OFFSET(netif_tx_request, gref);
    OFFSET(netif_tx_request, offset);
    OFFSET(netif_tx_request, flags);
    OFFSET(netif_tx_request, id);
    OFFSET(netif_tx_request, size);
    SIZE(netif_tx_response);
    OFFSET(netif_tx_response, id);
    OFFSET(netif_tx_response, status);
    SIZE(netif_rx_request);
    OFFSET(netif_rx_request, id);
    OFFSET(netif_rx_request, gref);
    SIZE(netif_rx_response);
    OFFSET(netif_rx_response, id);
    OFFSET(netif_rx_response, offset);
    OFFSET(netif_rx_response, flags);
    OFFSET(netif_rx_response, status);
    SIZE(netif_extra_info);
    OFFSET(netif_extra_info, type);
    OFFSET(netif_extra_info, flags);
    OFFSET(netif_extra_info, u);
    OFFSET(netif_extra_info, u.gso.size);
    OFFSET(netif_extra_info, u.gso.type);
    OFFSET(netif_extra_info, u.gso.pad);
    OFFSET(netif_extra_info, u.gso.features);
    OFFSET(netif_extra_info, u.mcast.addr);
    OFFSET(netif_extra_info, u.hash.type);
    OFFSET(netif_extra_info, u.hash.algorithm);
    OFFSET(netif_extra_info, u.hash.value);

    /* netif.h flags, types, status codes, limits */
    CONST(NETTXF_csum_blank);
    CONST(NETTXF_data_validated);
    CONST(NETTXF_more_data);
    CONST(NETTXF_extra_info);
    CONST(NETRXF_data_validated);
    CONST(NETRXF_csum_blank);
    CONST(NETRXF_more_data);
    CONST(NETRXF_extra_info);
    CONST(NETRXF_gso_prefix);
    CONST(XEN_NETIF_EXTRA_TYPE_NONE);
    CONST(XEN_NETIF_EXTRA_TYPE_GSO);
    CONST(XEN_NETIF_EXTRA_TYPE_MCAST_ADD);
    CONST(XEN_NETIF_EXTRA_TYPE_MCAST_DEL);
    CONST(XEN_NETIF_EXTRA_TYPE_HASH);
    CONST(XEN_NETIF_EXTRA_TYPE_MAX);
    CONST(XEN_NETIF_EXTRA_FLAG_MORE);
    CONST(XEN_NETIF_GSO_TYPE_NONE);
    CONST(XEN_NETIF_GSO_TYPE_TCPV4);
    CONST(XEN_NETIF_GSO_TYPE_TCPV6);
    CONST(NETIF_RSP_DROPPED);
    CONST(NETIF_RSP_ERROR);
    CONST(NETIF_RSP_OKAY);
    CONST(NETIF_RSP_NULL);
    CONST(XEN_NETIF_NR_SLOTS_MIN);
    CONST(XEN_NETIF_MAX_TX_SIZE);

    /* xs_wire.h */
    SIZE(xsd_sockmsg);
    OFFSET(xsd_sockmsg, type);
    OFFSET(xsd_sockmsg, req_id);
    OFFSET(xsd_sockmsg, tx_id);
    OFFSET(xsd_sockmsg, len);
    CONST(XS_CONTROL);
    CONST(XS_DIRECTORY);
    CONST(XS_READ);
    CONST(XS_GET_PERMS);
    CONST(XS_WATCH);
    CONST(XS_UNWATCH);
    CONST(XS_TRANSACTION_START);
    CONST(XS_TRANSACTION_END);
    CONST(XS_INTRODUCE);
    CONST(XS_RELEASE);
    CONST(XS_GET_DOMAIN_PATH);
    CONST(XS_WRITE);
    CONST(XS_MKDIR);
    CONST(XS_RM);
    CONST(XS_SET_PERMS);
    CONST(XS_WATCH_EVENT);
    CONST(XS_ERROR);
    CONST(XS_IS_DOMAIN_INTRODUCED);
    CONST(XS_RESUME);
    CONST(XS_SET_TARGET);
    CONST(XS_RESET_WATCHES);
    CONST(XS_DIRECTORY_PART);
    CONST(XS_TYPE_COUNT);
    CONST(XS_INVALID);
    CONST(XS_WATCH_PATH);
    CONST(XS_WATCH_TOKEN);
    CONST(XENSTORE_PAYLOAD_MAX);
    CONST(XENSTORE_ABS_PATH_MAX);
    CONST(XENSTORE_REL_PATH_MAX);
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
        printf("xsd_errors.%zu.%s %d\n", i, xsd_errors[i].errstring, xsd_errors[i].errnum);
    }

    /* xenbus.h */
    CONST(XenbusStateUnknown);
    CONST(XenbusStateInitialising);
    CONST(XenbusStateInitWait);
    CONST(XenbusStateInitialised);
    CONST(XenbusStateConnected);
    CONST(XenbusStateClosing);
    CONST(XenbusStateClosed);
    CONST(XenbusStateReconfiguring);
    CONST(XenbusStateReconfigured);

    /* grant_table.h, xen.h */
    CONST(GTF_invalid);
    CONST(GTF_permit_access);
    CONST(GTF_accept_transfer);
    CONST(GTF_transitive);
    CONST(GTF_type_mask);
    CONST(GTF_readonly);
    CONST(GTF_reading);
    CONST(GTF_writing);
    CONST(GNTCOPY_source_gref);
    CONST(GNTCOPY_dest_gref);
    CONST(GNTMAP_readonly);
    CONST(GNTTAB_NR_RESERVED_ENTRIES);
    CONST(GNTST_okay);
    CONST(GNTST_general_error);
    CONST(GNTST_bad_domain);
    CONST(GNTST_bad_gntref);
    CONST(GNTST_bad_handle);
    CONST(GNTST_bad_virt_addr);
    CONST(GNTST_bad_dev_addr);
    CONST(GNTST_no_device_space);
    CONST(GNTST_permission_denied);
    CONST(GNTST_bad_page);
    CONST(GNTST_bad_copy_arg);
    CONST(GNTST_address_too_big);
    CONST(GNTST_eagain);
    CONST(GNTST_no_space);
    CONST(DOMID_FIRST_RESERVED);
    CONST(DOMID_SELF);
    CONST(DOMID_IO);
    CONST(DOMID_XEN);
    CONST(DOMID_COW);
    CONST(DOMID_INVALID);
    CONST(DOMID_IDLE);
    CONST(DOMID_MASK);

    /* event_channel.h, hypercalls */
    CONST(EVTCHNOP_bind_interdomain);
    CONST(EVTCHNOP_close);
    CONST(EVTCHNOP_send);
    CONST(EVTCHNOP_status);
    CONST(EVTCHNOP_alloc_unbound);
    CONST(EVTCHNOP_unmask);
    CONST(__HYPERVISOR_xen_version);
    CONST(__HYPERVISOR_grant_table_op);
    CONST(XENVER_version);
    CONST(XENVER_extraversion);
    return 0;
}
