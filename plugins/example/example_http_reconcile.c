/*
 * example_http_reconcile.c - read back what the channel shows (HTTP mode).
 *
 * GET <url>/v1/inventory (all SKUs when the core asks for all), or
 * GET <url>/v1/inventory?skus=A,B,... in chunks of RECONCILE_CHUNK SKUs, one
 * call after the other.  Each {"sku","quantity"} is reported with
 * host->reconcile_seen (no payload: the API does not return listings here);
 * host->task_done ends the task: 0 after the last page, -1 with the reason
 * as soon as one call fails.  When the channel's last Retry-After has not
 * ended yet, the reconcile waits for it on a timer instead of calling.
 */
#include "example.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECONCILE_CHUNK 50

struct example_reconcile {
    struct example *ex;
    struct hub_task *task;
    char **skus; /* NULL: all */
    size_t n, next;
    size_t reported;
};

static void rec_free(struct example_reconcile *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->skus[i]);
    free(r->skus);
    free(r);
}

static void rec_end(struct example_reconcile *r, int status, const char *message)
{
    struct example *ex = r->ex;
    if (status == 0 && HUB_HOST_HAS(ex->host, metric_add))
        ex->host->metric_add(ex->inst, "reconciled_skus", (double)r->reported);
    ex->host->task_done(r->task, status, message);
    rec_free(r);
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

/* "/v1/inventory" or "/v1/inventory?skus=<escaped>,<escaped>..." (caller frees). */
static char *next_path(struct example_reconcile *r, size_t *taken)
{
    *taken = 0;
    if (!r->skus) return strdup("/v1/inventory");
    size_t cap = sizeof "/v1/inventory?skus=";
    size_t end = r->next + RECONCILE_CHUNK < r->n ? r->next + RECONCILE_CHUNK : r->n;
    for (size_t i = r->next; i < end; i++) cap += 3 * strlen(r->skus[i]) + 1;
    char *out = malloc(cap);
    if (!out) return NULL;
    size_t k = (size_t)snprintf(out, cap, "/v1/inventory?skus=");
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = r->next; i < end; i++) {
        if (i > r->next) out[k++] = ',';
        for (const unsigned char *p = (const unsigned char *)r->skus[i]; *p; p++) {
            if (unreserved(*p)) {
                out[k++] = (char)*p;
            } else {
                out[k++] = '%';
                out[k++] = hex[*p >> 4];
                out[k++] = hex[*p & 15];
            }
        }
    }
    out[k] = '\0';
    *taken = end - r->next;
    return out;
}

static void fetch(struct example_reconcile *r);

static void on_page(void *arg, const struct hub_http_response *resp)
{
    struct example_reconcile *r = arg;
    struct example *ex = r->ex;
    struct example_answer a;
    example_http_classify(ex, resp, "GET /v1/inventory", &a);
    if (a.cls != EX_OK) {
        rec_end(r, -1, a.message);
        return;
    }
    if (!a.dry_run) { /* dry-run: nothing was asked, nothing is shown */
        json_t *items = json_object_get(a.doc, "items");
        size_t i;
        json_t *it;
        if (!json_is_array(items)) {
            json_decref(a.doc);
            rec_end(r, -1, "example: GET /v1/inventory: malformed answer (no \"items\" array)");
            return;
        }
        json_array_foreach(items, i, it) {
            const char *sku = json_string_value(json_object_get(it, "sku"));
            json_t *q = json_object_get(it, "quantity");
            if (!sku || !json_is_integer(q)) continue;
            ex->host->reconcile_seen(r->task, sku, (int64_t)json_integer_value(q), NULL);
            r->reported++;
        }
        json_decref(a.doc);
    }
    if (r->skus && r->next < r->n) fetch(r);
    else rec_end(r, 0, NULL);
}

static void on_wait_over(void *arg)
{
    struct example_reconcile *r = arg;
    struct example *ex = r->ex;
    ex->host->timer_stop(ex->inst, ex->deferred_timer);
    ex->deferred = NULL;
    ex->deferred_timer = 0;
    fetch(r);
}

static void fetch(struct example_reconcile *r)
{
    struct example *ex = r->ex;
    const struct hub_host *host = ex->host;
    uint64_t now = host->now_ms(ex->inst);
    if (ex->not_before_ms > now && !ex->deferred) {
        /* The channel asked us to wait: do not call before it said. */
        ex->deferred = r;
        ex->deferred_timer = host->timer_start(ex->inst, ex->not_before_ms - now, 0, on_wait_over, r);
        if (ex->deferred_timer) return;
        ex->deferred = NULL;
    }
    size_t taken;
    char why[256];
    char *path = next_path(r, &taken);
    if (!path) {
        rec_end(r, -1, "example: out of memory");
        return;
    }
    r->next += taken;
    int rc = example_http_send(ex, "GET", path, NULL, 0, on_page, r, why, sizeof why);
    free(path);
    if (rc != 0) rec_end(r, -1, why);
}

void example_http_reconcile(struct example *ex, struct hub_task *task, const char *const *skus,
                            size_t n)
{
    struct example_reconcile *r = calloc(1, sizeof *r);
    if (!r) {
        ex->host->task_done(task, -1, "example: out of memory");
        return;
    }
    r->ex = ex;
    r->task = task;
    if (n > 0) {
        r->skus = calloc(n, sizeof *r->skus);
        for (size_t i = 0; r->skus && i < n; i++) {
            r->skus[i] = strdup(skus[i]);
            if (!r->skus[i]) {
                r->n = i;
                rec_free(r);
                ex->host->task_done(task, -1, "example: out of memory");
                return;
            }
        }
        if (!r->skus) {
            free(r);
            ex->host->task_done(task, -1, "example: out of memory");
            return;
        }
        r->n = n;
    }
    fetch(r);
}

void example_http_reconcile_stop(struct example *ex)
{
    struct example_reconcile *r = ex->deferred;
    if (!r) return;
    ex->host->timer_stop(ex->inst, ex->deferred_timer);
    ex->deferred = NULL;
    ex->deferred_timer = 0;
    rec_end(r, -1, "example: stopped while waiting for the channel's Retry-After");
}
