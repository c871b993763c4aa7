/*
 * shopify_reconcile.c - read back what Shopify shows (HUB_CAP_RECONCILE).
 *
 * Pages through the tenant's location:
 *   location(id:) { inventoryLevels(first: 100, after:) { nodes {
 *       quantities(names: ["available"]) { name quantity } item { id sku } } } }
 * and reports every SKU with host->reconcile_seen(); the core compares with the
 * shadow and turns each difference into a stock.drift event (exception, then
 * the canonical number is pushed again).  The reports are held until the last
 * page and made together with task_done, in one loop turn, skipping SKUs a
 * push of ours changed after their page was read (so an acknowledgement that
 * lands during the read is not mistaken for drift).  What Shopify showed
 * becomes the compare value of the next stock push of that SKU.
 */
#include "shopify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECON_PAGE 100

static const char LEVELS_QUERY[] =
    "query Reconcile($loc: ID!, $n: Int!, $after: String) { location(id: $loc) { id inventoryLevels(first: $n, "
    "after: $after) { pageInfo { hasNextPage endCursor } nodes { quantities(names: [\"available\"]) "
    "{ name quantity } item { id sku } } } } }";

struct recon {
    struct shopify *s;
    struct hub_task *task;
    json_t *want;  /* requested SKUs (NULL: all) */
    json_t *seen;  /* sku -> [quantity, read_at_ms] */
    char *after;
    int pages;
};

static void recon_free(struct recon *rc)
{
    json_decref(rc->want);
    json_decref(rc->seen);
    free(rc->after);
    free(rc);
}

static void report(struct recon *rc)
{
    struct shopify *s = rc->s;
    size_t skipped = 0;
    const char *sku;
    json_t *v;
    json_object_foreach(rc->seen, sku, v) {
        int64_t q = json_integer_value(json_array_get(v, 0));
        int64_t read_at = json_integer_value(json_array_get(v, 1));
        char *l = s->host->listing_get(s->inst, sku);
        json_t *lj = l ? json_loads(l, 0, NULL) : NULL;
        s->host->free(l);
        int64_t pushed_at = json_integer_value(json_object_get(lj, "pushed_at"));
        json_decref(lj);
        if (json_object_get(s->pushing, sku) || pushed_at >= read_at) {
            skipped++;
            continue;
        }
        ids_observe(s, sku, q);
        s->host->reconcile_seen(rc->task, sku, q, NULL);
    }
    s->host->log(s->inst, HUB_LOG_INFO, "shopify: reconcile read %zu SKU(s) at %s in %d page(s)%s",
                 json_object_size(rc->seen), s->location, rc->pages,
                 skipped ? " (some skipped: pushed during the read)" : "");
    s->host->task_done(rc->task, 0, NULL);
    recon_free(rc);
}

static void fetch(struct recon *rc);

static void on_page(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct recon *rc = arg;
    if (r->dry_run) {
        s->host->task_done(rc->task, 0, NULL);
        recon_free(rc);
        return;
    }
    if (!r->ok) {
        s->host->task_done(rc->task, -1, r->error);
        recon_free(rc);
        return;
    }
    json_t *loc = json_object_get(r->data, "location");
    if (!json_is_object(loc)) {
        char msg[256];
        snprintf(msg, sizeof msg, "Shopify has no location %s (check location_id)", s->location);
        s->host->log(s->inst, HUB_LOG_ERROR, "shopify: %s", msg);
        s->host->task_done(rc->task, -1, msg);
        recon_free(rc);
        return;
    }
    rc->pages++;
    json_t *levels = json_object_get(loc, "inventoryLevels");
    int64_t read_at = (int64_t)s->host->now_ms(s->inst);
    size_t i;
    json_t *node;
    json_array_foreach(json_object_get(levels, "nodes"), i, node) {
        json_t *item = json_object_get(node, "item");
        const char *sku = json_string_value(json_object_get(item, "sku"));
        const char *iid = json_string_value(json_object_get(item, "id"));
        if (!sku || !*sku) continue;
        if (rc->want && !json_object_get(rc->want, sku)) continue;
        if (iid) json_object_set_new(s->item_sku, iid, json_string(sku));
        size_t k;
        json_t *q;
        json_array_foreach(json_object_get(node, "quantities"), k, q) {
            const char *name = json_string_value(json_object_get(q, "name"));
            if (name && strcmp(name, "available") == 0 && json_is_integer(json_object_get(q, "quantity")))
                json_object_set_new(rc->seen, sku, json_pack("[O, I]", json_object_get(q, "quantity"),
                                                             (json_int_t)read_at));
        }
    }
    json_t *info = json_object_get(levels, "pageInfo");
    const char *end = json_string_value(json_object_get(info, "endCursor"));
    if (json_is_true(json_object_get(info, "hasNextPage")) && end) {
        free(rc->after);
        rc->after = strdup(end);
        fetch(rc);
    } else {
        report(rc);
    }
}

static void fetch(struct recon *rc)
{
    json_t *vars = json_pack("{s:s, s:i}", "loc", rc->s->location, "n", RECON_PAGE);
    json_object_set_new(vars, "after", rc->after ? json_string(rc->after) : json_null());
    gql_call(rc->s, OP_RECONCILE, LEVELS_QUERY, vars, 1.0 + 2.0 + RECON_PAGE * 3.0, on_page, rc);
}

void shopify_reconcile(void *ctx, struct hub_task *task, const char *const *skus, size_t n)
{
    struct shopify *s = ctx;
    if (gql_auth_wait(s)) {
        s->host->task_done(task, -1, s->auth_error);
        return;
    }
    struct recon *rc = calloc(1, sizeof *rc);
    rc->s = s;
    rc->task = task;
    rc->seen = json_object();
    if (n > 0) {
        rc->want = json_object();
        for (size_t i = 0; i < n; i++) json_object_set_new(rc->want, skus[i], json_true());
    }
    fetch(rc);
}
