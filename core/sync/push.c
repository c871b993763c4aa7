/* push.c - drain a channel's outbox under its limits (DESIGN §3 steps 6-7).
 *
 * Ops go out in (priority, id) order, at most limits.batch_max per batch and
 * limits.in_flight batches at once, one token per batch.  Two ops for the same
 * (kind, SKU) are never in flight together, so a channel never sees an older
 * value after a newer one.  On the plugin's answer: OK acknowledges (the shadow
 * changes, the op leaves the outbox unless a newer one replaced it), RETRY
 * backs off exponentially with full jitter (or the channel's Retry-After),
 * FATAL moves the op to the dead letters with the channel's text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_text.h"
#include "common/log.h"
#include "common/util.h"
#include "net/metrics.h"
#include "sync/runtime.h"

#define BACKOFF_BASE_MS 500u
/* Token-aware batching (bucket_linger_ms): on a scarce budget a batch waits
 * while changes keep arriving, at most LINGER_MAX_MS for its oldest op. */
#define BACKOFF_CAP_MS (5u * 60u * 1000u)

static uint64_t backoff_ms(uint32_t attempts)
{
    uint64_t cap = BACKOFF_BASE_MS;
    for (uint32_t i = 0; i < attempts && cap < BACKOFF_CAP_MS; i++) cap *= 2;
    if (cap > BACKOFF_CAP_MS) cap = BACKOFF_CAP_MS;
    /* Full jitter: uniform in [base/2, cap] so a retry never fires at once. */
    uint64_t lo = BACKOFF_BASE_MS / 2;
    return lo + (uint64_t)random() % (cap - lo + 1);
}

static void drain_cb(uv_timer_t *h)
{
    push_kick(h->data);
}

static void schedule_drain(struct hub_instance *inst, uint64_t delay_ms)
{
    if (!inst->drain_timer_open) {
        uv_timer_init(inst->rt->hubd->loop, &inst->drain_timer);
        inst->drain_timer.data = inst;
        inst->drain_timer_open = 1;
    }
    /* Keep an earlier wake-up if one is already set. */
    if (uv_is_active((uv_handle_t *)&inst->drain_timer) &&
        uv_timer_get_due_in(&inst->drain_timer) <= delay_ms)
        return;
    uv_timer_start(&inst->drain_timer, drain_cb, delay_ms, 0);
}

static const char *kind_name(enum outbox_kind k)
{
    return k == OUTBOX_STOCK ? "stock" : k == OUTBOX_LISTING ? "listing" : k == OUTBOX_DELETE ? "delete" : "fulfillment";
}

static char *flight_key(enum outbox_kind k, const char *sku)
{
    return xasprintf("%s:%s", kind_name(k), sku);
}

struct collect {
    struct hub_instance *inst;
    struct outbox_op *ops;
    size_t n, max;
    json_t *in_batch;
};

static int collect_op(void *arg, const struct outbox_op *op)
{
    struct collect *c = arg;
    char *key = flight_key(op->kind, op->sku);
    int busy = json_object_get(c->inst->in_flight_skus, key) || json_object_get(c->in_batch, key);
    if (!busy) {
        json_object_set_new(c->in_batch, key, json_true());
        struct outbox_op *d = &c->ops[c->n++];
        *d = *op;
        d->channel = xstrdup(op->channel);
        d->sku = xstrdup(op->sku);
        d->payload = op->payload ? xstrdup(op->payload) : NULL;
    }
    free(key);
    return c->n >= c->max ? 1 : 0;
}

static const char *keep(struct hub_batch *b, char *s)
{
    if (!s) return NULL;
    b->strings = realloc(b->strings, (b->n_strings + 1) * sizeof *b->strings);
    b->strings[b->n_strings++] = s;
    return s;
}

/* Top-level fields of `to` that differ from `from` (JSON array text). */
static char *changed_fields(const char *from, const char *to)
{
    json_t *a = json_loads(from, 0, NULL), *b = json_loads(to, 0, NULL);
    json_t *out = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v)
        if (!json_equal(json_object_get(a, k), v)) json_array_append_new(out, json_string(k));
    json_object_foreach(a, k, v)
        if (!json_object_get(b, k)) json_array_append_new(out, json_string(k));
    char *s = json_text(out, 0);
    json_decref(a);
    json_decref(b);
    json_decref(out);
    return s;
}

static enum hub_op_kind op_kind(enum outbox_kind k)
{
    switch (k) {
    case OUTBOX_STOCK: return HUB_OP_STOCK;
    case OUTBOX_LISTING: return HUB_OP_LISTING;
    case OUTBOX_DELETE: return HUB_OP_DELETE;
    default: return HUB_OP_FULFILLMENT;
    }
}

static struct hub_batch *build_batch(struct hub_instance *inst, struct txn *txn, struct outbox_op *ops,
                                     size_t n)
{
    struct hub_batch *b = xcalloc(1, sizeof *b);
    b->inst = inst;
    b->n = n;
    b->items = xcalloc(n, sizeof *b->items);
    b->enqueued_ms = xcalloc(n, sizeof *b->enqueued_ms);
    b->started_ms = now_ms();
    for (size_t i = 0; i < n; i++) {
        struct hub_push_item *it = &b->items[i];
        struct listing l = {.quantity = -1};
        int has = store_listing_get(txn, inst->cfg->name, ops[i].sku, &l) == 0;
        it->op_id = ops[i].id;
        it->kind = op_kind(ops[i].kind);
        it->sku = keep(b, ops[i].sku);
        it->quantity = ops[i].quantity;
        it->shadow_quantity = has ? l.quantity : -1;
        it->payload = keep(b, ops[i].payload);
        it->payload_len = ops[i].payload ? strlen(ops[i].payload) : 0;
        it->external = has ? keep(b, l.external) : NULL;
        it->changed = ops[i].kind == OUTBOX_LISTING && has && l.payload && ops[i].payload
                          ? keep(b, changed_fields(l.payload, ops[i].payload)) : NULL;
        it->attempt = ops[i].attempts;
        b->enqueued_ms[i] = ops[i].enqueued_ms;
        if (has) {
            l.external = NULL; /* kept by the batch */
            listing_free(&l);
        }
        free(ops[i].channel);
        char *key = flight_key(ops[i].kind, ops[i].sku);
        json_object_set_new(inst->in_flight_skus, key, json_true());
        free(key);
    }
    return b;
}

void push_kick(struct hub_instance *inst)
{
    const struct hub_plugin *d = inst->desc;
    if (inst->state != INST_RUNNING || inst->mode == HUB_MODE_PAUSED || !d || !d->push_batch)
        return;
    if (inst->rt->hubd->stopping) return;
    while (inst->in_flight < d->limits.in_flight) {
        struct txn *txn = NULL;
        if (txn_begin(inst->rt->t->store, 0, &txn) != 0) return;
        size_t max = d->limits.batch_max;
        struct collect c = {inst, xcalloc(max, sizeof(struct outbox_op)), 0, max, json_object()};
        /* Peek past ops whose key is in flight: they wait for their turn.  Ops
         * backing off are not due; the tick looks again. */
        store_outbox_peek(txn, inst->cfg->name, now_ms(), max + json_object_size(inst->in_flight_skus),
                          collect_op, &c);
        json_decref(c.in_batch);
        uint64_t mono = mono_ms();
        uint64_t hold = c.n ? bucket_linger_ms(&inst->bucket, mono) : 0;
        if (hold) {
            uint64_t quiet = mono - inst->last_change_ms, oldest = now_ms();
            for (size_t i = 0; i < c.n; i++)
                if (c.ops[i].enqueued_ms < oldest) oldest = c.ops[i].enqueued_ms;
            if (quiet < hold && now_ms() - oldest < LINGER_MAX_MS) {
                for (size_t i = 0; i < c.n; i++) outbox_op_free(&c.ops[i]);
                txn_abort(txn);
                free(c.ops);
                schedule_drain(inst, hold - quiet);
                return;
            }
        }
        uint64_t wait = c.n ? breaker_allow(&inst->breaker, mono) : 0;
        int limited = 0;
        if (c.n && !wait) {
            wait = bucket_take(&inst->bucket, mono);
            limited = wait > 0;
            if (wait && inst->breaker.state == BREAKER_HALF_OPEN) inst->breaker.probe_in_flight = 0;
        }
        metric_set(inst->m.circuit, inst->breaker.state);
        if (c.n == 0 || wait) {
            for (size_t i = 0; i < c.n; i++) outbox_op_free(&c.ops[i]);
            txn_abort(txn);
            free(c.ops);
            if (limited && !inst->waiting_since_ms) {
                inst->waiting_since_ms = mono;
                metric_inc(inst->m.rate_waits);
            }
            if (wait) schedule_drain(inst, wait);
            return;
        }
        if (inst->waiting_since_ms) {
            metric_add(inst->m.rate_wait_ms, (double)(mono - inst->waiting_since_ms));
            inst->waiting_since_ms = 0;
        }
        struct hub_batch *b = build_batch(inst, txn, c.ops, c.n);
        txn_abort(txn);
        free(c.ops);
        b->next = inst->batches;
        inst->batches = b;
        inst->in_flight++;
        metric_inc(inst->m.requests);
        d->push_batch(inst->ctx, b, b->items, b->n);
    }
}

void push_kick_tenant(struct rt_tenant *rt)
{
    for (size_t i = 0; i < rt->n_inst; i++) schedule_drain(&rt->inst[i], 0);
}

static void unlink_batch(struct hub_instance *inst, struct hub_batch *b)
{
    for (struct hub_batch **pp = &inst->batches; *pp; pp = &(*pp)->next)
        if (*pp == b) { *pp = b->next; return; }
}

static void batch_free(struct hub_batch *b)
{
    for (size_t i = 0; i < b->n_strings; i++) free(b->strings[i]);
    free(b->strings);
    free(b->items);
    free(b->enqueued_ms);
    free(b);
}

static int apply_result(struct hub_instance *inst, struct txn *txn, const struct hub_push_item *it,
                        uint64_t enqueued_ms, const struct hub_push_result *r, uint64_t now)
{
    const char *ch = inst->cfg->name;
    switch (r ? r->status : HUB_RETRY) {
    case HUB_OK: {
        int rc = 0;
        if (it->kind == HUB_OP_STOCK)
            rc = store_listing_ack(txn, ch, it->sku, &it->quantity, NULL, r->external, now);
        else if (it->kind == HUB_OP_LISTING)
            rc = store_listing_ack(txn, ch, it->sku, NULL, it->payload, r->external, now);
        if (rc != 0) return -1;
        inst->pushed_ok++;
        metric_inc(inst->m.push_ok);
        if (enqueued_ms && now >= enqueued_ms) metric_observe(inst->m.latency, (double)(now - enqueued_ms));
        return store_outbox_done(txn, ch, it->op_id) < 0 ? -1 : 0;
    }
    case HUB_FATAL:
        inst->pushed_fatal++;
        metric_inc(inst->m.push_fatal);
        inst_log(inst, 1, "%s %s refused by the channel: %s", it->kind == HUB_OP_STOCK ? "stock" : "op",
                 it->sku, r->message ? r->message : "(no message)");
        str_copy(inst->last_error, r->message ? r->message : "refused", sizeof inst->last_error);
        return store_dlq_put(txn, ch, it->op_id, r->message ? r->message : "refused by the channel") < 0 ? -1 : 0;
    default: {
        inst->pushed_retry++;
        metric_inc(inst->m.push_retry);
        uint64_t wait = r && r->retry_after_ms ? r->retry_after_ms : backoff_ms(it->attempt);
        return store_outbox_retry(txn, ch, it->op_id, now + wait) < 0 ? -1 : 0;
    }
    }
}

void push_batch_done(struct hub_batch *b, const struct hub_push_result *results)
{
    struct hub_instance *inst = b->inst;
    if (b->done) {
        inst_log(inst, 0, "push_done called twice for one batch (plugin bug); ignored");
        return;
    }
    b->done = 1;
    uint64_t now = now_ms();
    struct txn *txn = NULL;
    int ok = txn_begin(inst->rt->t->store, 1, &txn) == 0;
    for (size_t i = 0; ok && i < b->n; i++)
        if (apply_result(inst, txn, &b->items[i], b->enqueued_ms[i], results ? &results[i] : NULL, now) != 0)
            ok = 0;
    if (txn) {
        if (ok) ok = txn_commit(txn) == 0;
        else txn_abort(txn);
    }
    if (!ok) inst_log(inst, 0, "could not record push results; the ops stay queued and will be pushed again");
    uint32_t retry_after = 0;
    for (size_t i = 0; results && i < b->n; i++)
        if (results[i].status == HUB_RETRY && results[i].retry_after_ms > retry_after)
            retry_after = results[i].retry_after_ms;
    if (retry_after) bucket_hint(&inst->bucket, -1, -1, -1, retry_after, mono_ms());
    /* The channel answered if any item was not a plain retry (or it told us when
     * to come back): only batches that failed outright count against the breaker. */
    int answered = retry_after > 0;
    for (size_t i = 0; results && i < b->n && !answered; i++)
        if (results[i].status != HUB_RETRY) answered = 1;
    breaker_result(&inst->breaker, answered, mono_ms());
    metric_set(inst->m.circuit, inst->breaker.state);
    if (inst->breaker.state == BREAKER_OPEN)
        inst_log(inst, 1, "circuit open after %u failed batches; next probe in %llu ms", inst->breaker.failures,
                 (unsigned long long)(inst->breaker.open_until_ms - mono_ms()));
    for (size_t i = 0; i < b->n; i++) {
        char *key = flight_key(b->items[i].kind == HUB_OP_STOCK ? OUTBOX_STOCK
                               : b->items[i].kind == HUB_OP_LISTING ? OUTBOX_LISTING
                               : b->items[i].kind == HUB_OP_DELETE ? OUTBOX_DELETE : OUTBOX_FULFILLMENT,
                               b->items[i].sku);
        json_object_del(inst->in_flight_skus, key);
        free(key);
    }
    unlink_batch(inst, b);
    batch_free(b);
    inst->in_flight--;
    /* Not recursively: the plugin may be answering from inside push_batch. */
    if (!inst->rt->hubd->stopping) schedule_drain(inst, 0);
}

static void close_noop(uv_handle_t *h)
{
    (void)h;
}

void push_instance_free(struct hub_instance *inst)
{
    while (inst->batches) {
        struct hub_batch *b = inst->batches;
        inst->batches = b->next;
        batch_free(b);
    }
    if (inst->drain_timer_open) {
        uv_timer_stop(&inst->drain_timer);
        uv_close((uv_handle_t *)&inst->drain_timer, close_noop);
        inst->drain_timer_open = 0;
    }
}
