/* submit.c - the group commit: record, apply, project, diff in one durable txn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "engine/internal.h"

static int submit_one(struct tenant *t, struct txn *txn, struct engine_event *e,
                      const char *source, struct touched *tc, struct engine_report *rep)
{
    e->status = 0;
    e->message = NULL;
    if (e->idem_key) {
        int seen = store_inbox_seen(txn, e->idem_key);
        if (seen < 0) return -1;
        if (seen) {
            e->status = ENGINE_DUPLICATE;
            rep->duplicates++;
            return 0;
        }
    }
    int rc = engine_apply(t, txn, e->event, source, tc, &e->message);
    if (rc < 0) return -1;
    if (rc > 0) {
        e->status = rc;
        rep->refused++;
        return 0;
    }
    /* Recorded in the same txn as its effects: both are durable or neither is. */
    /* The record is the event as applied, with where and when it came from
     * (added to the caller's object: it is a record of this submission). */
    json_t *rec = e->event;
    if (!json_object_get(rec, "source")) json_object_set_new(rec, "source", json_string(source));
    if (!json_object_get(rec, "ts_ms")) json_object_set_new(rec, "ts_ms", json_integer((json_int_t)now_ms()));
    char *txt = engine_dump(rec);
    uint64_t seq = 0;
    rc = store_inbox_append(txn, e->idem_key, txt, strlen(txt), &seq);
    free(txt);
    if (rc < 0) return -1;
    if (rc == 0 && store_inbox_mark_applied(txn, seq) != 0) return -1;
    rep->applied++;
    return 0;
}

int engine_submit(struct tenant *t, struct engine_event *events, size_t n, const char *source,
                  struct engine_report *rep, char *err, size_t err_len)
{
    struct engine_report local = {0};
    if (!rep) rep = &local;
    memset(rep, 0, sizeof *rep);
    struct txn *txn = NULL;
    if (txn_begin(t->store, 1, &txn) != 0) {
        snprintf(err, err_len, "tenant '%s': cannot begin a write transaction", t->cfg->name);
        return -1;
    }
    struct touched tc;
    touched_init(&tc);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = submit_one(t, txn, &events[i], source ? source : "hub", &tc, rep);
    if (rc == 0) rc = engine_project(t, txn, &tc, rep);
    touched_free(&tc);
    if (rc != 0 || txn_failed(txn)) {
        snprintf(err, err_len, "tenant '%s': %s", t->cfg->name,
                 txn_error(txn) ? txn_error(txn) : "apply failed");
        txn_abort(txn);
        goto undo;
    }
    if (txn_commit(txn) != 0) {
        snprintf(err, err_len, "tenant '%s': commit failed", t->cfg->name);
        goto undo;
    }
    return 0;
undo:
    /* Nothing was committed: no event may claim it was applied. */
    for (size_t i = 0; i < n; i++) {
        free(events[i].message);
        events[i].message = NULL;
        events[i].status = -1;
    }
    memset(rep, 0, sizeof *rep);
    return -1;
}

int64_t engine_available(struct tenant *t, struct txn *txn, const char *sku, const char *channel)
{
    struct tenant_channel *ch = tenant_channel(t, channel);
    if (!ch) {
        snprintf(t->last_error, sizeof t->last_error, "no channel '%s' in tenant '%s'", channel,
                 t->cfg->name);
        return -1;
    }
    char *v = NULL;
    size_t len;
    int rc = store_variant_get(txn, sku, &v, &len);
    free(v);
    if (rc != 0) return rc < 0 ? -1 : -2;
    struct stock_totals st = {0};
    if (store_stock_get(txn, sku, &st) < 0) return -1;
    int64_t out = -1;
    if (engine_allocate(t, ch, &sku, &st, 1, &out) != 0) return -1;
    return out;
}

#define PROJECT_ALL_CHUNK 2048

struct collect {
    struct touched *tc;
    size_t n;
    char *last;
    size_t last_size;
    size_t max;
};

static int collect_sku(void *arg, const char *sku, const char *json, size_t len)
{
    struct collect *c = arg;
    (void)json;
    (void)len;
    touched_add(c->tc, sku, TOUCH_STOCK | TOUCH_CATALOG);
    str_copy(c->last, sku, c->last_size);
    return ++c->n >= c->max ? 1 : 0;
}

int engine_project_chunk(struct tenant *t, const char *after, size_t max, char *last, size_t last_size,
                         struct engine_report *rep, char *err, size_t err_len)
{
    struct txn *txn = NULL;
    if (txn_begin(t->store, 1, &txn) != 0) {
        snprintf(err, err_len, "tenant '%s': cannot begin a write transaction", t->cfg->name);
        return -1;
    }
    struct touched tc;
    touched_init(&tc);
    str_copy(last, after, last_size);
    struct collect c = {&tc, 0, last, last_size, max};
    int rc = store_variant_each(txn, after, collect_sku, &c);
    if (rc >= 0 && c.n) rc = engine_project(t, txn, &tc, rep);
    touched_free(&tc);
    if (rc < 0) {
        txn_abort(txn);
        snprintf(err, err_len, "tenant '%s': projection failed", t->cfg->name);
        return -1;
    }
    if (txn_commit(txn) != 0) {
        snprintf(err, err_len, "tenant '%s': projection commit failed", t->cfg->name);
        return -1;
    }
    return (int)c.n;
}

int engine_project_all(struct tenant *t, void (*progress)(void *arg, size_t done, size_t total),
                       void *arg, struct engine_report *rep, char *err, size_t err_len)
{
    struct engine_report local = {0};
    if (!rep) rep = &local;
    memset(rep, 0, sizeof *rep);
    struct txn *rd = NULL;
    if (txn_begin(t->store, 0, &rd) != 0) {
        snprintf(err, err_len, "tenant '%s': cannot read the store", t->cfg->name);
        return -1;
    }
    int64_t total = store_count(rd, "variants");
    txn_abort(rd);
    char after[512] = "", last[512];
    size_t done = 0;
    for (;;) {
        int n = engine_project_chunk(t, after, PROJECT_ALL_CHUNK, last, sizeof last, rep, err, err_len);
        if (n < 0) return -1;
        done += (size_t)n;
        if (progress) progress(arg, done, total > 0 ? (size_t)total : done);
        if (n == 0) break;
        str_copy(after, last, sizeof after);
    }
    return 0;
}
