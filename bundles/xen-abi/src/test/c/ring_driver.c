/*
 * Drives both ends of a netif TX ring with Xen's own ring.h macros, following
 * a script of operations read from standard input, and prints the ring state
 * after each one. RingDifferentialTest runs the same script on the Java ring
 * and compares the two transcripts line for line.
 *
 * Script lines:
 *   start <index>   initialise the page with every index at <index>
 *   produce <n>     front: fill n requests (gref = running sequence number), push, check notify
 *   consume <n>     back: take up to n requests, answer each (id = gref & 0xffff), push, check notify
 *   responses <n>   front: take up to n responses
 *   finalfront      front: RING_FINAL_CHECK_FOR_RESPONSES
 *   finalback       back: RING_FINAL_CHECK_FOR_REQUESTS
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
/* ring.h leaves mb(), rmb() and wmb() to its user (old interface versions
   map xen_mb() onto them): C11 fences do the job. */
#define mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/netif.h>

static unsigned char page[4096] __attribute__((aligned(4096)));

static uint32_t page_hash(void)
{
    uint32_t h = 2166136261u;            /* FNV-1a */
    for (size_t i = 0; i < sizeof(page); i++) {
        h = (h ^ page[i]) * 16777619u;
    }
    return h;
}

int main(void)
{
    struct netif_tx_sring *shared = (struct netif_tx_sring *)page;
    struct netif_tx_front_ring front = {0};
    struct netif_tx_back_ring back = {0};
    char op[32];
    long long arg;
    uint32_t sequence = 0;

    while (scanf("%31s", op) == 1) {
        long long result = -1;
        if (strcmp(op, "start") == 0) {
            if (scanf("%lld", &arg) != 1) return 2;
            RING_IDX start = (RING_IDX)arg;
            memset(page, 0, sizeof(page));
            SHARED_RING_INIT(shared);
            shared->req_prod = shared->rsp_prod = start;
            shared->req_event = shared->rsp_event = start + 1;
            FRONT_RING_ATTACH(&front, shared, start, sizeof(page));
            BACK_RING_ATTACH(&back, shared, start, sizeof(page));
            result = RING_SIZE(&front);
        } else if (strcmp(op, "produce") == 0) {
            if (scanf("%lld", &arg) != 1) return 2;
            int notify;
            for (long long i = 0; i < arg && !RING_FULL(&front); i++) {
                struct netif_tx_request *req = RING_GET_REQUEST(&front, front.req_prod_pvt);
                req->gref = sequence++;
                req->offset = 0;
                req->flags = 0;
                req->id = (uint16_t)req->gref;
                req->size = 60;
                front.req_prod_pvt++;
            }
            RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
            result = notify;
        } else if (strcmp(op, "consume") == 0) {
            if (scanf("%lld", &arg) != 1) return 2;
            int notify;
            long long taken = 0;
            while (taken < arg && RING_HAS_UNCONSUMED_REQUESTS(&back)) {
                struct netif_tx_request req;
                RING_COPY_REQUEST(&back, back.req_cons, &req);
                back.req_cons++;
                struct netif_tx_response *rsp = RING_GET_RESPONSE(&back, back.rsp_prod_pvt);
                rsp->id = (uint16_t)req.gref;
                rsp->status = NETIF_RSP_OKAY;
                back.rsp_prod_pvt++;
                taken++;
            }
            RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&back, notify);
            result = taken * 2 + notify;
        } else if (strcmp(op, "responses") == 0) {
            if (scanf("%lld", &arg) != 1) return 2;
            long long taken = 0;
            RING_IDX producer = shared->rsp_prod;
            while (taken < arg && front.rsp_cons != producer) {
                struct netif_tx_response rsp;
                RING_COPY_RESPONSE(&front, front.rsp_cons, &rsp);
                if (rsp.status != NETIF_RSP_OKAY) return 3;
                front.rsp_cons++;
                taken++;
            }
            result = taken;
        } else if (strcmp(op, "finalfront") == 0) {
            int work;
            RING_FINAL_CHECK_FOR_RESPONSES(&front, work);
            result = work != 0;
        } else if (strcmp(op, "finalback") == 0) {
            int work;
            RING_FINAL_CHECK_FOR_REQUESTS(&back, work);
            result = work != 0;
        } else {
            fprintf(stderr, "unknown op %s\n", op);
            return 2;
        }
        printf("%s %lld | %u %u %u %u | %u %u %u %u | free %u | %08x\n", op, result,
               shared->req_prod, shared->req_event, shared->rsp_prod, shared->rsp_event,
               front.req_prod_pvt, front.rsp_cons, back.rsp_prod_pvt, back.req_cons,
               RING_FREE_REQUESTS(&front), page_hash());
    }
    return 0;
}
