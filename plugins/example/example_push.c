/*
 * example_push.c - the push contract, on a channel that is a local file
 * (file mode; in HTTP mode example_http_push.c answers instead).
 *
 * For each batch: decide every item's answer, append the accepted ones to
 * the file in ONE write, then call host->push_done(batch, results) exactly
 * once with one result per item (in the order of `items`).
 *
 * Line format (compact JSON, keys in this order):
 *   {"op":"stock","sku":"A1","quantity":5,"op_id":7,"batch":1}
 *   {"op":"listing","sku":"A1","payload":{...},"op_id":8,"batch":1}
 *   {"op":"delete","sku":"A1","op_id":9,"batch":2}
 */
#include "example.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#define MSG_REFUSED "example: SKU refused by configuration"

/* Everything one batch needs until push_done has returned. */
struct pending {
    struct hub_push_result *results;
    char **externals; /* per item, malloc'd or NULL */
    char *lines;      /* the batch's JSON lines */
    size_t len, cap;
};

static int append(struct pending *p, const char *s)
{
    size_t n = strlen(s);
    if (p->len + n + 2 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        while (cap < p->len + n + 2) cap *= 2;
        char *grown = realloc(p->lines, cap);
        if (!grown) return -1;
        p->lines = grown;
        p->cap = cap;
    }
    memcpy(p->lines + p->len, s, n);
    p->len += n;
    p->lines[p->len++] = '\n';
    p->lines[p->len] = '\0';
    return 0;
}

/* A listing is "created" when the core knows no example_id for the SKU yet. */
static int has_example_id(const char *external)
{
    if (!external) return 0;
    json_t *ext = json_loads(external, 0, NULL);
    int has = json_is_string(json_object_get(ext, "example_id"));
    json_decref(ext);
    return has;
}

/* Build one item's line into p, or set a FATAL result.  -1 on out of memory. */
static int item_line(struct example *ex, struct pending *p, size_t i,
                     const struct hub_push_item *it)
{
    struct hub_push_result *r = &p->results[i];
    if (example_sku_refused(ex, it->sku)) {
        r->status = HUB_FATAL;
        r->message = MSG_REFUSED;
        return 0;
    }
    json_t *line = json_object();
    json_t *payload = NULL;
    switch (it->kind) {
    case HUB_OP_STOCK:
        json_object_set_new(line, "op", json_string("stock"));
        json_object_set_new(line, "sku", json_string(it->sku));
        json_object_set_new(line, "quantity", json_integer(it->quantity));
        break;
    case HUB_OP_LISTING:
        if (it->payload) payload = json_loadb(it->payload, it->payload_len, 0, NULL);
        if (!json_is_object(payload)) {
            json_decref(payload);
            json_decref(line);
            r->status = HUB_FATAL;
            r->message = "example: listing payload is not a JSON object";
            return 0;
        }
        json_object_set_new(line, "op", json_string("listing"));
        json_object_set_new(line, "sku", json_string(it->sku));
        json_object_set_new(line, "payload", payload);
        break;
    case HUB_OP_DELETE:
        json_object_set_new(line, "op", json_string("delete"));
        json_object_set_new(line, "sku", json_string(it->sku));
        break;
    default:
        json_decref(line);
        r->status = HUB_FATAL;
        r->message = "example: operation not supported by this channel";
        return 0;
    }
    json_object_set_new(line, "op_id", json_integer((json_int_t)it->op_id));
    json_object_set_new(line, "batch", json_integer((json_int_t)ex->batches));
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (!text || append(p, text) < 0) {
        free(text);
        return -1;
    }
    free(text);
    r->status = HUB_OK;
    if (it->kind == HUB_OP_LISTING && !has_example_id(it->external)) {
        /* Tell the core the channel's id for this SKU; it comes back in
         * item->external on later pushes. */
        json_t *ext = json_pack("{s:s+}", "example_id", "ex-", it->sku);
        p->externals[i] = json_dumps(ext, JSON_COMPACT);
        json_decref(ext);
        r->external = p->externals[i];
    }
    return 0;
}

/* One write(2) for the whole batch (looping only on a short write). */
static int write_all(struct example *ex, const char *data, size_t len)
{
    int fd = open(ex->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) goto fail;
        off += (size_t)w;
    }
    if (ex->fsync && fsync(fd) < 0) goto fail;
    return close(fd);
fail: {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}
}

/* Like the core, treat out of memory as the end: a batch must be answered. */
static void *must_calloc(struct example *ex, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        ex->host->log(ex->inst, HUB_LOG_ERROR, "example: out of memory");
        abort();
    }
    return p;
}

/* The items answered OK so far (all when only_ok is 0) become RETRY. */
static void all_retry(struct pending *p, size_t n, const char *message, int only_ok)
{
    for (size_t i = 0; i < n; i++) {
        if (only_ok && p->results[i].status != HUB_OK) continue;
        p->results[i].status = HUB_RETRY;
        p->results[i].message = message;
        p->results[i].external = NULL;
        p->results[i].retry_after_ms = 0; /* 0: the core's own backoff */
    }
}

void example_push_batch(void *ctx, struct hub_batch *batch, const struct hub_push_item *items,
                        size_t n)
{
    struct example *ex = ctx;
    if (ex->base) { /* HTTP mode: example_http_push.c */
        example_http_push(ex, batch, items, n);
        return;
    }
    const struct hub_host *host = ex->host;
    struct pending p = {0};
    char message[512];
    ex->batches++;
    p.results = must_calloc(ex, n, sizeof *p.results);
    p.externals = must_calloc(ex, n, sizeof *p.externals);

    if (ex->retry_every > 0 && ex->batches % (uint64_t)ex->retry_every == 0) {
        snprintf(message, sizeof message,
                 "example: simulated transient failure (every %lld batches)",
                 (long long)ex->retry_every);
        all_retry(&p, n, message, 0);
    } else {
        int oom = 0;
        for (size_t i = 0; i < n && !oom; i++) oom = item_line(ex, &p, i, &items[i]) < 0;
        if (oom) {
            all_retry(&p, n, "example: out of memory", 1);
        } else if (p.len > 0 && write_all(ex, p.lines, p.len) < 0) {
            snprintf(message, sizeof message, "example: cannot write %s: %s", ex->path,
                     strerror(errno));
            host->log(ex->inst, HUB_LOG_WARN, "%s", message);
            all_retry(&p, n, message, 1); /* nothing (or a torn line) was written */
        }
    }

    size_t ok = 0, fatal = 0, retry = 0;
    for (size_t i = 0; i < n; i++) {
        if (p.results[i].status == HUB_OK) ok++;
        else if (p.results[i].status == HUB_FATAL) fatal++;
        else retry++;
    }
    host->push_done(batch, p.results); /* the core copies messages and externals */
    if (HUB_HOST_HAS(host, metric_add)) {
        host->metric_add(ex->inst, "batches", 1);
        host->metric_add(ex->inst, "items_ok", (double)ok);
        host->metric_add(ex->inst, "items_fatal", (double)fatal);
        host->metric_add(ex->inst, "items_retry", (double)retry);
    }
    host->log(ex->inst, HUB_LOG_DEBUG, "example: batch %llu: %zu ok, %zu fatal, %zu retry",
              (unsigned long long)ex->batches, ok, fatal, retry);
    for (size_t i = 0; i < n; i++) free(p.externals[i]);
    free(p.externals);
    free(p.results);
    free(p.lines);
}
