/*
 * shopify_poll.c - the orders backfill (HUB_CAP_ORDER_POLL).
 *
 * Webhooks can be lost (Shopify gives up after 8 failed tries, a proxy drops
 * one...).  Every poll_interval the core calls shopify_poll, which pages
 * through
 *   orders(first: poll_page, sortKey: UPDATED_AT, query: "updated_at:>='<cursor - poll_overlap>'")
 * maps each order with scripts/shopify.lua (kind "orders": order.created, plus
 * order.cancelled when cancelledAt is set) and emits it under the key
 * "shopify:order:<id>:<updatedAt>".  The engine records an order once, by its
 * id, whether it came by webhook or by poll.  The cursor (state
 * "orders_cursor", the newest updatedAt seen) advances only after a page's
 * events are committed, so a crash re-reads, never skips; an order whose
 * events the hub refuses for their content (or the mapping cannot read) is
 * skipped with a warning and does not hold the cursor back.  The first start
 * sets the cursor to that moment (or backfill_from): orders from before the
 * hub was connected are not imported.
 */
#include "shopify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char ORDERS_QUERY[] =
    "query Orders($q: String!, $n: Int!, $after: String) { orders(first: $n, after: $after, sortKey: UPDATED_AT, "
    "query: $q) { pageInfo { hasNextPage endCursor } nodes { id name createdAt updatedAt cancelledAt cancelReason "
    "currencyCode totalPriceSet { shopMoney { amount currencyCode } } "
    "lineItems(first: 50) { pageInfo { hasNextPage } nodes { id sku quantity currentQuantity title } } } } }";

int64_t iso_to_ms(const char *iso)
{
    if (!iso) return -1;
    struct tm tm = {0};
    int y, mo, d, h, mi, se, n = 0;
    if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6) return -1;
    const char *p = iso + n;
    int64_t ms = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 3) ms = ms * 10 + (*p - '0');
        for (; digits < 3; digits++) ms *= 10;
    }
    int64_t offset = 0;
    if (*p == '+' || *p == '-') {
        int oh = 0, om = 0;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1) return -1;
        offset = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    } else if (*p != 'Z' && *p != '\0') {
        return -1;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    return ((int64_t)timegm(&tm) - offset) * 1000 + ms;
}

static void ms_to_iso(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct poll {
    struct shopify *s;
    struct hub_task *task;
    char query[96];
    char *after;       /* page cursor */
    char newest[48];   /* newest updatedAt committed in this poll */
    int64_t newest_ms;
    int emits;         /* outstanding emits of the current page + guard */
    int failed;
    int more;
    size_t orders, skipped, refused;
};

static void fetch(struct poll *pl);

static void poll_end(struct poll *pl, int status, const char *message)
{
    struct shopify *s = pl->s;
    if (status == 0)
        s->host->log(s->inst, HUB_LOG_DEBUG, "shopify: backfill read %zu order(s)%s%s", pl->orders,
                     pl->skipped ? " (some could not be mapped: see warnings)" : "",
                     pl->refused ? " (some were refused by the hub: see warnings)" : "");
    s->host->task_done(pl->task, status, message);
    free(pl->after);
    free(pl);
}

static void page_committed(struct poll *pl)
{
    if (--pl->emits > 0) return;
    struct shopify *s = pl->s;
    if (pl->failed) {
        poll_end(pl, -1, "order backfill: events could not be recorded; the cursor did not move");
        return;
    }
    if (pl->newest_ms > 0) {
        char *cur = s->host->state_get(s->inst, "orders_cursor");
        if (!cur || iso_to_ms(cur) < pl->newest_ms) s->host->state_set(s->inst, "orders_cursor", pl->newest);
        s->host->free(cur);
    }
    if (pl->more) fetch(pl);
    else poll_end(pl, 0, NULL);
}

/* One order's outcome.  Refused for its content: the same order would be
 * refused on every poll, so it is skipped (logged, counted) and the cursor
 * moves past it.  Not recorded (FAILED): the cursor stays, the next poll
 * reads it again. */
static void on_emitted(void *arg, enum hub_emit_status status, const char *message)
{
    struct poll *pl = arg;
    struct shopify *s = pl->s;
    if (status == HUB_EMIT_REFUSED) {
        pl->refused++;
        shopify_metric(s, "backfill_refused", 1);
        s->host->log(s->inst, HUB_LOG_WARN, "shopify: backfill order refused by the hub (skipped): %s",
                     message ? message : "(no message)");
    } else if (status != HUB_EMIT_COMMITTED && status != HUB_EMIT_DUPLICATE) {
        pl->failed = 1;
        s->host->log(s->inst, HUB_LOG_WARN, "shopify: backfill order not recorded: %s",
                     message ? message : "?");
    }
    page_committed(pl);
}

static void emit_order(struct poll *pl, json_t *node)
{
    struct shopify *s = pl->s;
    const char *id = json_string_value(json_object_get(node, "id"));
    const char *updated = json_string_value(json_object_get(node, "updatedAt"));
    if (!id || !updated) return;
    const char *tail = strrchr(id, '/');
    tail = tail ? tail + 1 : id;
    if (json_is_true(json_object_get(json_object_get(json_object_get(node, "lineItems"), "pageInfo"), "hasNextPage")))
        s->host->log(s->inst, HUB_LOG_WARN, "shopify: order %s has more than 50 lines; only the first 50 are counted",
                     tail);
    json_t *page = json_pack("{s:{s:{s:[O]}}}", "data", "orders", "nodes", node);
    char *text = json_dumps(page, JSON_COMPACT);
    json_decref(page);
    char *error = NULL;
    char *events = text ? s->host->map_from_channel(s->inst, "orders", text, &error) : NULL;
    free(text);
    int64_t ms = iso_to_ms(updated);
    if (!events) { /* bad data stays bad: do not stall the backfill on it */
        s->host->log(s->inst, HUB_LOG_ERROR, "shopify: order %s could not be mapped: %s", tail,
                     error ? error : "(no message)");
        s->host->free(error);
        pl->skipped++;
    } else {
        char key[256];
        snprintf(key, sizeof key, "shopify:order:%s:%s", tail, updated);
        pl->emits++;
        if (s->host->emit(s->inst, key, events, on_emitted, pl) != 0) {
            pl->emits--;
            pl->failed = 1;
        }
        s->host->free(events);
        pl->orders++;
    }
    if (ms > pl->newest_ms) {
        pl->newest_ms = ms;
        snprintf(pl->newest, sizeof pl->newest, "%s", updated);
    }
}

static void on_page(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct poll *pl = arg;
    if (r->dry_run) {
        poll_end(pl, 0, NULL);
        return;
    }
    if (!r->ok) {
        poll_end(pl, -1, r->error);
        return;
    }
    json_t *orders = json_object_get(r->data, "orders");
    json_t *info = json_object_get(orders, "pageInfo");
    pl->more = json_is_true(json_object_get(info, "hasNextPage"));
    free(pl->after);
    const char *end = json_string_value(json_object_get(info, "endCursor"));
    pl->after = end ? strdup(end) : NULL;
    if (!pl->after) pl->more = 0;
    pl->emits = 1; /* guard */
    size_t i;
    json_t *node;
    json_array_foreach(json_object_get(orders, "nodes"), i, node) emit_order(pl, node);
    (void)s;
    page_committed(pl);
}

static void fetch(struct poll *pl)
{
    struct shopify *s = pl->s;
    json_t *vars = json_pack("{s:s, s:I}", "q", pl->query, "n", (json_int_t)s->orders_page);
    json_object_set_new(vars, "after", pl->after ? json_string(pl->after) : json_null());
    double cost = 2.0 + (double)s->orders_page * (1.0 + 2.0 + 3.0 + 50.0);
    gql_call(s, OP_ORDERS, ORDERS_QUERY, vars, cost, on_page, pl);
}

void shopify_poll(void *ctx, struct hub_task *task)
{
    struct shopify *s = ctx;
    if (gql_auth_wait(s)) { /* the token was refused: do not call until the pause ends */
        s->host->task_done(task, -1, s->auth_error);
        return;
    }
    struct poll *pl = calloc(1, sizeof *pl);
    pl->s = s;
    pl->task = task;
    char *cursor = s->host->state_get(s->inst, "orders_cursor");
    int64_t since = iso_to_ms(cursor);
    s->host->free(cursor);
    if (since < 0) since = (int64_t)s->host->now_ms(s->inst);
    since -= (int64_t)s->overlap_ms;
    char iso[40];
    ms_to_iso(since, iso, sizeof iso);
    snprintf(pl->query, sizeof pl->query, "updated_at:>='%s'", iso);
    fetch(pl);
}
