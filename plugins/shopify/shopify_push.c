/*
 * shopify_push.c - push_batch: one batch, several GraphQL calls, one answer.
 *
 * A batch may mix listings, stock, deletes and shipments.  It runs in phases,
 * each a set of calls behind the cost gate:
 *   1 listings   adopt products already in Shopify (lookup by SKU), then one
 *                productSet per product (variants of one product merged)
 *   2 ids        inventory item ids for stock items that have none yet
 *   3 stock      one inventorySetQuantities for all stock items (<= 250),
 *                a stale compare value -> re-read, stock.drift, RETRY
 *   4 shipments  fulfillmentCreate per order; deletes
 * and then host->push_done() exactly once, one result per item.
 *
 * Re-entrancy: a call that cannot be sent completes before gql_call()
 * returns.  `pending` counts outstanding calls plus one guard held while a
 * phase launches its calls, so a phase never advances under its own feet.
 */
#include "shopify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PH_LISTINGS = 0, PH_IDS, PH_STOCK, PH_OTHER, PH_DONE };

void push_ok(struct push *p, size_t i, const char *external)
{
    struct push_item_state *st = &p->st[i];
    if (st->done) return;
    st->done = 1;
    st->res.status = HUB_OK;
    if (external) st->external = strdup(external);
}

void push_fatal(struct push *p, size_t i, const char *message)
{
    struct push_item_state *st = &p->st[i];
    if (st->done) return;
    st->done = 1;
    st->res.status = HUB_FATAL;
    st->message = strdup(message ? message : "refused by Shopify");
}

void push_retry(struct push *p, size_t i, uint32_t retry_after_ms, const char *message)
{
    struct push_item_state *st = &p->st[i];
    if (st->done) return;
    st->done = 1;
    st->res.status = HUB_RETRY;
    st->res.retry_after_ms = retry_after_ms;
    if (message) st->message = strdup(message);
}

void push_cost(struct push *p, const struct gql_result *r)
{
    /* What the call really took from Shopify's bucket (requested minus the refund). */
    if (r->actual > 0) p->cost += r->actual;
}

void push_fail(struct push *p, size_t i, const struct gql_result *r)
{
    if (r->auth) p->auth_failed = 1;
    if (r->transient || r->auth) push_retry(p, i, r->retry_after_ms, r->error);
    else push_fatal(p, i, r->error);
}

static void finish(struct push *p)
{
    struct shopify *s = p->s;
    struct hub_push_result *res = calloc(p->n ? p->n : 1, sizeof *res);
    size_t ok = 0, retry = 0, fatal = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct push_item_state *st = &p->st[i];
        if (!st->done) push_retry(p, i, 0, "not attempted");
        if (res) {
            res[i] = st->res;
            res[i].message = st->message;
            res[i].external = st->external;
        }
        if (st->it->kind == HUB_OP_STOCK) json_object_del(s->pushing, st->it->sku);
        if (st->res.status == HUB_OK) ok++;
        else if (st->res.status == HUB_RETRY) retry++;
        else fatal++;
    }
    /* The running average cost of a batch is what one core token stands for. */
    if (p->cost > 0) s->batch_cost = 0.7 * s->batch_cost + 0.3 * p->cost;
    shopify_metric(s, "items_ok", (double)ok);
    shopify_metric(s, "items_retry", (double)retry);
    shopify_metric(s, "items_fatal", (double)fatal);
    /* NULL results (out of memory) make the core retry every item. */
    s->host->push_done(p->batch, res);
    /* After push_done: a Retry-After there empties the core's bucket; Shopify's
     * own numbers are what it should hold (the Retry-After still closes it). */
    gql_rate_hint(s);
    for (size_t i = 0; i < p->n; i++) {
        free(p->st[i].message);
        free(p->st[i].external);
    }
    free(res);
    free(p->st);
    json_decref(p->groups);
    json_decref(p->group_queue);
    free(p);
}

static void run(struct push *p)
{
    for (;;) {
        if (p->auth_failed && p->phase < PH_DONE) {
            /* The token was refused: nothing more goes out for this batch. */
            uint32_t wait = (uint32_t)gql_auth_wait(p->s);
            for (size_t i = 0; i < p->n; i++) push_retry(p, i, wait, p->s->auth_error);
            p->phase = PH_DONE;
        }
        if (p->phase >= PH_DONE) {
            finish(p);
            return;
        }
        p->pending++; /* guard */
        switch (p->phase) {
        case PH_LISTINGS: listing_phase(p); break;
        case PH_IDS: lookup_phase(p); break;
        case PH_STOCK: stock_phase(p); break;
        default: fulfil_phase(p); break;
        }
        if (--p->pending > 0) return; /* calls outstanding: push_step resumes */
    }
}

void push_step(struct push *p)
{
    if (--p->pending == 0) run(p);
}

void shopify_push_batch(void *ctx, struct hub_batch *batch, const struct hub_push_item *items, size_t n)
{
    struct shopify *s = ctx;
    struct push *p = calloc(1, sizeof *p);
    if (p) p->st = calloc(n ? n : 1, sizeof *p->st);
    if (!p || !p->st) {
        free(p);
        s->host->log(s->inst, HUB_LOG_ERROR, "shopify: out of memory starting a batch");
        s->host->push_done(batch, NULL); /* NULL results: every item retried */
        return;
    }
    p->s = s;
    p->batch = batch;
    p->items = items;
    p->n = n;
    for (size_t i = 0; i < n; i++) p->st[i].it = &items[i];
    uint64_t wait = gql_auth_wait(s);
    if (wait) { /* still paused after a refused token: answer without a call */
        for (size_t i = 0; i < n; i++) push_retry(p, i, (uint32_t)wait, s->auth_error);
        p->phase = PH_DONE;
    }
    run(p);
}
