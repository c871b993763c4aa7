/*
 * example_http_push.c - the push contract over HTTP (HTTP mode).
 *
 * One batch becomes at most two calls, one after the other:
 *   POST <url>/v1/inventory  {"items":[{"sku","quantity"}...]}     stock items
 *   POST <url>/v1/listings   {"items":[{"sku","listing":{...}}...]} listing items
 * and is answered with ONE host->push_done once both are back.  The second
 * call is not sent when the first was throttled or failed transiently (its
 * items become RETRY with the same wait): nothing goes out while the channel
 * asked us to wait.  Per item: "ok" -> HUB_OK (a listing's "id" becomes
 * external {"example_id": id}); "error" with code "invalid" -> HUB_FATAL with
 * the channel's message; any other error -> HUB_RETRY.  Delete and
 * fulfilment operations do not exist in this API: HUB_FATAL.
 */
#include "example.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PHASE_STOCK = 0, PHASE_LISTING = 1, PHASES = 2 };

static const char *const phase_path[PHASES] = {"/v1/inventory", "/v1/listings"};
static const char *const phase_what[PHASES] = {"POST /v1/inventory", "POST /v1/listings"};

/* One batch in flight, until push_done has returned. */
struct hpush {
    struct example *ex;
    struct hub_batch *batch;
    const struct hub_push_item *items; /* the core's, valid until push_done */
    size_t n;
    struct hub_push_result *results;
    char **strings;    /* per item: message or external text we own (2 per item) */
    size_t *idx[PHASES]; /* item indexes sent in each call */
    size_t cnt[PHASES];
    json_t *payloads;  /* listing payloads parsed once, by item index */
    int phase;
};

static void hpush_free(struct hpush *hp)
{
    for (size_t i = 0; i < 2 * hp->n; i++) free(hp->strings[i]);
    free(hp->strings);
    for (int p = 0; p < PHASES; p++) free(hp->idx[p]);
    json_decref(hp->payloads);
    free(hp->results);
    free(hp);
}

/* Own a copy of `text` as item i's message (slot 0) or external (slot 1). */
static const char *own(struct hpush *hp, size_t i, int slot, const char *text)
{
    char **s = &hp->strings[2 * i + (size_t)slot];
    free(*s);
    *s = text ? strdup(text) : NULL;
    return *s;
}

static void set_result(struct hpush *hp, size_t i, enum hub_result st, const char *message,
                       uint32_t retry_after_ms)
{
    hp->results[i].status = st;
    hp->results[i].message = own(hp, i, 0, message);
    hp->results[i].external = NULL;
    hp->results[i].retry_after_ms = st == HUB_RETRY ? retry_after_ms : 0;
}

static void finish(struct hpush *hp)
{
    struct example *ex = hp->ex;
    const struct hub_host *host = ex->host;
    size_t ok = 0, fatal = 0, retry = 0;
    for (size_t i = 0; i < hp->n; i++) {
        if (hp->results[i].status == HUB_OK) ok++;
        else if (hp->results[i].status == HUB_FATAL) fatal++;
        else retry++;
    }
    host->push_done(hp->batch, hp->results); /* exactly once; the core copies the strings */
    if (HUB_HOST_HAS(host, metric_add)) {
        host->metric_add(ex->inst, "batches", 1);
        host->metric_add(ex->inst, "items_ok", (double)ok);
        host->metric_add(ex->inst, "items_fatal", (double)fatal);
        host->metric_add(ex->inst, "items_retry", (double)retry);
    }
    host->log(ex->inst, HUB_LOG_DEBUG, "example: batch of %zu: %zu ok, %zu fatal, %zu retry", hp->n,
              ok, fatal, retry);
    hpush_free(hp);
}

/* Items of this phase and every later one: not answered, not sent. */
static void rest_retry(struct hpush *hp, int from, const char *message, uint32_t retry_after_ms)
{
    for (int p = from; p < PHASES; p++)
        for (size_t k = 0; k < hp->cnt[p]; k++)
            set_result(hp, hp->idx[p][k], HUB_RETRY, message, retry_after_ms);
}

/* The listing id the core knows for this SKU, if any. */
static int known_id(const char *external, const char *id)
{
    if (!external) return 0;
    json_t *ext = json_loads(external, 0, NULL);
    const char *have = json_string_value(json_object_get(ext, "example_id"));
    int same = have && strcmp(have, id) == 0;
    json_decref(ext);
    return same;
}

/* Per-item results of a 2xx answer.  -1 when they do not match what we sent. */
static int apply_results(struct hpush *hp, json_t *doc)
{
    const size_t *idx = hp->idx[hp->phase];
    size_t cnt = hp->cnt[hp->phase];
    json_t *results = json_object_get(doc, "results");
    if (!json_is_array(results) || json_array_size(results) != cnt) return -1;
    for (size_t k = 0; k < cnt; k++) {
        json_t *r = json_array_get(results, k);
        const char *sku = json_string_value(json_object_get(r, "sku"));
        const char *status = json_string_value(json_object_get(r, "status"));
        if (!sku || !status || strcmp(sku, hp->items[idx[k]].sku) != 0) return -1;
    }
    for (size_t k = 0; k < cnt; k++) {
        size_t i = idx[k];
        json_t *r = json_array_get(results, k);
        const char *status = json_string_value(json_object_get(r, "status"));
        const char *code = json_string_value(json_object_get(r, "code"));
        const char *msg = json_string_value(json_object_get(r, "message"));
        if (strcmp(status, "ok") == 0) {
            set_result(hp, i, HUB_OK, NULL, 0);
            const char *id = json_string_value(json_object_get(r, "id"));
            if (hp->phase == PHASE_LISTING && id && !known_id(hp->items[i].external, id)) {
                json_t *ext = json_pack("{s:s}", "example_id", id);
                char *text = json_dumps(ext, JSON_COMPACT);
                json_decref(ext);
                hp->results[i].external = own(hp, i, 1, text);
                free(text);
            }
        } else if (code && strcmp(code, "invalid") == 0) {
            set_result(hp, i, HUB_FATAL, msg ? msg : "invalid (the channel gave no message)", 0);
        } else {
            char m[512];
            snprintf(m, sizeof m, "example: the channel answered %s/%s for %s: %s", status,
                     code ? code : "-", hp->items[i].sku, msg ? msg : "");
            set_result(hp, i, HUB_RETRY, m, 0);
        }
    }
    return 0;
}

static void send_phase(struct hpush *hp);

static void on_answer(void *arg, const struct hub_http_response *resp)
{
    struct hpush *hp = arg;
    struct example_answer a;
    example_http_classify(hp->ex, resp, phase_what[hp->phase], &a);
    int p = hp->phase;
    if (a.cls == EX_OK && a.dry_run) {
        for (size_t k = 0; k < hp->cnt[p]; k++) set_result(hp, hp->idx[p][k], HUB_OK, NULL, 0);
    } else if (a.cls == EX_OK) {
        if (apply_results(hp, a.doc) != 0) {
            char m[512];
            snprintf(m, sizeof m, "example: %s: malformed answer (results do not match the %zu item(s) sent)",
                     phase_what[p], hp->cnt[p]);
            rest_retry(hp, p, m, 0);
            json_decref(a.doc);
            finish(hp);
            return;
        }
        json_decref(a.doc);
    } else if (a.cls == EX_FATAL) {
        /* The channel refused this request as a whole: its items are dead
         * letters with its text; the other call is independent. */
        for (size_t k = 0; k < hp->cnt[p]; k++) set_result(hp, hp->idx[p][k], HUB_FATAL, a.message, 0);
    } else {
        rest_retry(hp, p, a.message, a.retry_after_ms);
        finish(hp);
        return;
    }
    hp->phase++;
    send_phase(hp);
}

static char *phase_body(struct hpush *hp)
{
    json_t *arr = json_array();
    for (size_t k = 0; k < hp->cnt[hp->phase]; k++) {
        size_t i = hp->idx[hp->phase][k];
        const struct hub_push_item *it = &hp->items[i];
        json_t *o = hp->phase == PHASE_STOCK
                        ? json_pack("{s:s, s:I}", "sku", it->sku, "quantity", (json_int_t)it->quantity)
                        : json_pack("{s:s, s:O}", "sku", it->sku, "listing",
                                    json_array_get(hp->payloads, i));
        json_array_append_new(arr, o);
    }
    json_t *doc = json_pack("{s:o}", "items", arr);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

static void send_phase(struct hpush *hp)
{
    while (hp->phase < PHASES && hp->cnt[hp->phase] == 0) hp->phase++;
    if (hp->phase >= PHASES) {
        finish(hp);
        return;
    }
    char why[256];
    char *body = phase_body(hp);
    int rc = body ? example_http_send(hp->ex, "POST", phase_path[hp->phase], body, strlen(body),
                                      on_answer, hp, why, sizeof why)
                  : (snprintf(why, sizeof why, "example: out of memory"), -1);
    free(body);
    if (rc != 0) { /* done will not run: answer now */
        rest_retry(hp, hp->phase, why, 0);
        finish(hp);
    }
}

void example_http_push(struct example *ex, struct hub_batch *batch,
                       const struct hub_push_item *items, size_t n)
{
    const struct hub_host *host = ex->host;
    struct hpush *hp = calloc(1, sizeof *hp);
    if (hp) {
        hp->results = calloc(n ? n : 1, sizeof *hp->results);
        hp->strings = calloc(2 * (n ? n : 1), sizeof *hp->strings);
        hp->payloads = json_array();
        for (int p = 0; p < PHASES; p++) hp->idx[p] = calloc(n ? n : 1, sizeof *hp->idx[p]);
    }
    if (!hp || !hp->results || !hp->strings || !hp->payloads || !hp->idx[0] || !hp->idx[1]) {
        /* Like the core, treat out of memory as the end: a batch must be answered. */
        host->log(ex->inst, HUB_LOG_ERROR, "example: out of memory");
        abort();
    }
    hp->ex = ex;
    hp->batch = batch;
    hp->items = items;
    hp->n = n;
    ex->batches++;
    for (size_t i = 0; i < n; i++) {
        const struct hub_push_item *it = &items[i];
        json_t *payload = NULL;
        if (it->kind == HUB_OP_LISTING && it->payload)
            payload = json_loadb(it->payload, it->payload_len, 0, NULL);
        json_array_append_new(hp->payloads, payload ? payload : json_null());
        if (it->kind == HUB_OP_STOCK) {
            hp->idx[PHASE_STOCK][hp->cnt[PHASE_STOCK]++] = i;
        } else if (it->kind == HUB_OP_LISTING && json_is_object(payload)) {
            hp->idx[PHASE_LISTING][hp->cnt[PHASE_LISTING]++] = i;
        } else if (it->kind == HUB_OP_LISTING) {
            set_result(hp, i, HUB_FATAL, "example: listing payload is not a JSON object", 0);
        } else {
            set_result(hp, i, HUB_FATAL,
                       it->kind == HUB_OP_DELETE
                           ? "example: the channel API has no delete operation"
                           : "example: operation not supported by this channel",
                       0);
        }
    }
    hp->phase = PHASE_STOCK;
    send_phase(hp);
}
