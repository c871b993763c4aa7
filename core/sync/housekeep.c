/* housekeep.c - a tenant's periodic housekeeping in hubd: bounded growth of
 * the inbox and of the idempotency keys.
 *
 * Every housekeeping_interval (and once shortly after start) a *pass* removes
 * idempotency keys first seen before now - idempotency_retention and applied
 * inbox records dated before now - inbox_retention (store/prune.c); a
 * retention of 0 keeps that kind forever.  A pass runs as chunks of at most
 * HOUSEKEEP_CHUNK entries, each in its own durable write txn on the loop, so
 * a hubd that was off for a month neither holds one giant txn nor blocks the
 * loop: after a full chunk the next one runs on the next loop turn.  What a
 * pass removed is logged at info when non-zero, and counted in
 * hub_pruned_total{tenant, kind="idempotency"|"inbox"}.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/util.h"
#include "net/metrics.h"
#include "sync/runtime.h"

/* At most this many deletions (inbox) or keys examined (idempotency) per txn. */
#define HOUSEKEEP_CHUNK 10000
/* The first pass after start: one interval, but no later than this. */
#define HOUSEKEEP_FIRST_MAX_MS 60000
/* Channels' redelivery windows: Shopify retries a webhook for 48 hours. */
#define REDELIVERY_WINDOW_MS (48 * 3600 * INT64_C(1000))

struct housekeep {
    uv_timer_t timer;
    struct rt_tenant *rt;
    struct metric *pruned_idem, *pruned_inbox;
    /* the pass in progress */
    int in_pass;
    uint64_t idem_before, inbox_before; /* cutoffs, fixed when the pass starts */
    int idem_done, inbox_done;
    struct store_prune_pos idem_pos;
    uint64_t idem_removed, inbox_removed;
};

static uint64_t cutoff(uint64_t now, int64_t retention_ms)
{
    return now > (uint64_t)retention_ms ? now - (uint64_t)retention_ms : 0;
}

static void duration_text(int64_t ms, char *out, size_t n)
{
    if (ms % 86400000 == 0) snprintf(out, n, "%" PRId64 "d", ms / 86400000);
    else if (ms % 3600000 == 0) snprintf(out, n, "%" PRId64 "h", ms / 3600000);
    else if (ms % 60000 == 0) snprintf(out, n, "%" PRId64 "m", ms / 60000);
    else if (ms % 1000 == 0) snprintf(out, n, "%" PRId64 "s", ms / 1000);
    else snprintf(out, n, "%" PRId64 "ms", ms);
}

/* One chunk of one kind in its own write txn: removed count, or -1 (logged). */
static int64_t chunk(struct housekeep *h, int idem, int *full)
{
    struct rt_tenant *rt = h->rt;
    struct txn *txn = NULL;
    char err[512] = "";
    *full = 0;
    if (txn_begin(rt->t->store, 1, &txn) != 0) {
        log_error(rt->cfg->name, "housekeeping: cannot begin a write transaction");
        return -1;
    }
    int64_t n;
    if (idem) {
        n = store_idempotency_prune_chunk(txn, h->idem_before, HOUSEKEEP_CHUNK, &h->idem_pos);
        *full = n >= 0 && !h->idem_pos.done;
    } else {
        n = store_inbox_prune(txn, h->inbox_before, HOUSEKEEP_CHUNK, full);
    }
    if (n < 0) {
        log_error(rt->cfg->name, "housekeeping: pruning %s failed: %s", idem ? "idempotency keys" : "the inbox",
                  txn_error(txn) ? txn_error(txn) : "?");
        txn_abort(txn);
        return -1;
    }
    if (n == 0) {
        txn_abort(txn); /* nothing written: no commit, no fsync */
        return 0;
    }
    if (txn_commit_err(txn, err, sizeof err) != 0) {
        log_error(rt->cfg->name, "housekeeping: pruning %s not committed: %s",
                  idem ? "idempotency keys" : "the inbox", err);
        *full = 0;
        return -1;
    }
    metric_add(idem ? h->pruned_idem : h->pruned_inbox, (double)n);
    return n;
}

static void pass_start(struct housekeep *h, uint64_t now)
{
    const struct tenant_config *tc = h->rt->cfg;
    h->in_pass = 1;
    h->idem_done = tc->idempotency_retention_ms <= 0;
    h->inbox_done = tc->inbox_retention_ms <= 0;
    h->idem_before = cutoff(now, tc->idempotency_retention_ms);
    h->inbox_before = cutoff(now, tc->inbox_retention_ms);
    h->idem_pos = (struct store_prune_pos){.after = ""};
    h->idem_removed = h->inbox_removed = 0;
}

static void pass_end(struct housekeep *h)
{
    const struct tenant_config *tc = h->rt->cfg;
    h->in_pass = 0;
    if (!h->idem_removed && !h->inbox_removed) return;
    char ir[32], br[32], what[160] = "";
    duration_text(tc->idempotency_retention_ms, ir, sizeof ir);
    duration_text(tc->inbox_retention_ms, br, sizeof br);
    size_t off = 0;
    if (h->idem_removed)
        off += (size_t)snprintf(what, sizeof what, "forgot %" PRIu64 " idempotency key(s) older than %s",
                                h->idem_removed, ir);
    if (h->inbox_removed && off < sizeof what)
        snprintf(what + off, sizeof what - off, "%sremoved %" PRIu64 " inbox record(s) older than %s",
                 off ? ", " : "", h->inbox_removed, br);
    log_info(tc->name, "housekeeping: %s", what);
}

static void on_timer(uv_timer_t *t)
{
    struct housekeep *h = t->data;
    struct rt_tenant *rt = h->rt;
    if (rt->hubd->stopping) return;
    if (!h->in_pass) pass_start(h, now_ms());
    int again = 0, full;
    /* One chunk of each kind per loop turn; a failure ends that kind's part
     * of the pass (the next pass tries again). */
    if (!h->idem_done) {
        int64_t n = chunk(h, 1, &full);
        if (n > 0) h->idem_removed += (uint64_t)n;
        if (n < 0 || !full) h->idem_done = 1;
        again |= n >= 0 && full;
    }
    if (!h->inbox_done) {
        int64_t n = chunk(h, 0, &full);
        if (n > 0) h->inbox_removed += (uint64_t)n;
        if (n < 0 || !full) h->inbox_done = 1;
        again |= n >= 0 && full;
    }
    if (again) {
        uv_timer_start(&h->timer, on_timer, 0, 0); /* the next chunk after this turn's I/O */
        return;
    }
    pass_end(h);
    uv_timer_start(&h->timer, on_timer, (uint64_t)rt->cfg->housekeeping_interval_ms, 0);
}

void housekeep_start(struct rt_tenant *rt)
{
    const struct tenant_config *tc = rt->cfg;
    struct housekeep *h = xcalloc(1, sizeof *h);
    h->rt = rt;
    struct metric_label l[] = {{"tenant", tc->name}, {"kind", "idempotency"}};
    const char *help = "Entries removed by housekeeping once their retention passed";
    h->pruned_idem = metrics_counter(metrics_default(), "hub_pruned_total", help, l, 2);
    l[1].value = "inbox";
    h->pruned_inbox = metrics_counter(metrics_default(), "hub_pruned_total", help, l, 2);
    if (tc->idempotency_retention_ms > 0 && tc->idempotency_retention_ms < REDELIVERY_WINDOW_MS) {
        char ir[32];
        duration_text(tc->idempotency_retention_ms, ir, sizeof ir);
        log_warn(tc->name, "idempotency_retention = %s is shorter than channels' redelivery windows "
                           "(Shopify retries a webhook for 48h): a late redelivery would be applied again",
                 ir);
    }
    uv_timer_init(rt->hubd->loop, &h->timer);
    h->timer.data = h;
    int64_t first = tc->housekeeping_interval_ms < HOUSEKEEP_FIRST_MAX_MS ? tc->housekeeping_interval_ms
                                                                          : HOUSEKEEP_FIRST_MAX_MS;
    uv_timer_start(&h->timer, on_timer, (uint64_t)first, 0);
    rt->housekeep = h;
}

static void free_on_close(uv_handle_t *handle)
{
    free(handle->data);
}

void housekeep_stop(struct rt_tenant *rt)
{
    struct housekeep *h = rt->housekeep;
    if (!h) return;
    rt->housekeep = NULL;
    uv_timer_stop(&h->timer);
    uv_close((uv_handle_t *)&h->timer, free_on_close);
}
