/*
 * example_reconcile.c - read back what the channel shows (file mode; in HTTP
 * mode example_http_reconcile.c reads GET /v1/inventory instead).
 *
 * The channel's state is the file: replaying its lines gives, per SKU, the
 * last quantity ("stock") and the last listing payload ("listing"); a
 * "delete" withdraws the SKU.  Each SKU still shown is reported with
 * host->reconcile_seen() (quantity -1 when no quantity was ever pushed,
 * payload NULL when no listing was), then host->task_done() ends the task.
 *
 * A real channel would page through its API with host->http() and report as
 * pages arrive; the file is small and local, so this reads it at once.
 */
#include "example.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Replay the file into {sku: {"quantity": n?, "payload": {...}?}} in first-seen order. */
static json_t *replay(FILE *f, size_t *bad_lines)
{
    json_t *shown = json_object();
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        json_t *rec = json_loadb(line, (size_t)len, 0, NULL);
        const char *op = json_string_value(json_object_get(rec, "op"));
        const char *sku = json_string_value(json_object_get(rec, "sku"));
        if (!op || !sku) {
            ++*bad_lines;
            json_decref(rec);
            continue;
        }
        json_t *state = json_object_get(shown, sku);
        if (strcmp(op, "delete") == 0) {
            json_object_del(shown, sku);
        } else {
            if (!state) {
                state = json_object();
                json_object_set_new(shown, sku, state);
            }
            if (strcmp(op, "stock") == 0 && json_is_integer(json_object_get(rec, "quantity")))
                json_object_set(state, "quantity", json_object_get(rec, "quantity"));
            else if (strcmp(op, "listing") == 0 && json_is_object(json_object_get(rec, "payload")))
                json_object_set(state, "payload", json_object_get(rec, "payload"));
            else
                ++*bad_lines;
        }
        json_decref(rec);
    }
    free(line);
    return shown;
}

static int wanted(const char *sku, const char *const *skus, size_t n)
{
    if (n == 0) return 1; /* all SKUs */
    for (size_t i = 0; i < n; i++)
        if (strcmp(skus[i], sku) == 0) return 1;
    return 0;
}

void example_reconcile(void *ctx, struct hub_task *task, const char *const *skus, size_t n)
{
    struct example *ex = ctx;
    if (ex->base) { /* HTTP mode: example_http_reconcile.c */
        example_http_reconcile(ex, task, skus, n);
        return;
    }
    const struct hub_host *host = ex->host;
    FILE *f = fopen(ex->path, "re");
    if (!f && errno != ENOENT) {
        char message[512];
        snprintf(message, sizeof message, "example: cannot read %s: %s", ex->path,
                 strerror(errno));
        host->task_done(task, -1, message);
        return;
    }
    size_t bad = 0, reported = 0;
    json_t *shown = f ? replay(f, &bad) : json_object(); /* no file: nothing shown */
    if (f) fclose(f);
    if (bad)
        host->log(ex->inst, HUB_LOG_WARN, "example: %zu unreadable line(s) in %s skipped", bad,
                  ex->path);

    const char *sku;
    json_t *state;
    json_object_foreach(shown, sku, state) {
        if (!wanted(sku, skus, n)) continue;
        json_t *q = json_object_get(state, "quantity");
        json_t *payload = json_object_get(state, "payload");
        char *payload_json = payload ? json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER)
                                     : NULL;
        host->reconcile_seen(task, sku, q ? (int64_t)json_integer_value(q) : -1, payload_json);
        free(payload_json); /* the core copied it */
        reported++;
    }
    json_decref(shown);
    if (HUB_HOST_HAS(host, metric_add))
        host->metric_add(ex->inst, "reconciled_skus", (double)reported);
    host->task_done(task, 0, NULL);
}
