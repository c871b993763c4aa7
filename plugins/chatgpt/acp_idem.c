/* acp_idem.c - ACP idempotency: same key + same body -> the stored response;
 * same key + another body -> conflict; a key still being processed -> in flight.
 *
 * Records live in host->state, one per (endpoint, key):
 *   "acp:idem:<40 hex of sha256(scope \n key)>" = {"h": body sha256, "s": status, "b": response, "t": ms}
 * and are forgotten after ACP_IDEM_KEEP_MS (25 h): every record's name is listed
 * in its hour's bucket "acp:idemidx:<hour>", and buckets older than that are
 * emptied: deleted on a hub that can delete state entries (ABI 1.1, tested
 * with HUB_HOST_HAS(host, state_each)), else overwritten with "", which reads
 * as absent.  5xx answers are never stored. */
#include "acp.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OLDEST_NAME "acp:idemidx:oldest"
#define PRUNE_STEPS 48 /* buckets visited per store at most */

static struct acp_state *st(struct chatgpt *g) { return g->acp; }

void acp_idem_lookup(struct acp_req *r, const char *scope, struct acp_idem_hit *hit)
{
    struct chatgpt *g = r->g;
    memset(hit, 0, sizeof *hit);
    char buf[600], hex[65];
    int n = snprintf(buf, sizeof buf, "%s\n%s", scope, r->idem_key);
    acp_sha256_hex(buf, (size_t)n, hex);
    snprintf(r->idem_name, sizeof r->idem_name, "acp:idem:%.40s", hex);
    if (json_object_get(st(g)->in_flight, r->idem_name)) {
        hit->in_flight = 1;
        return;
    }
    char *text = g->host->state_get(g->inst, r->idem_name);
    json_t *rec = text && *text ? json_loads(text, 0, NULL) : NULL;
    g->host->free(text);
    if (!rec) return;
    const char *h = json_string_value(json_object_get(rec, "h"));
    const char *b = json_string_value(json_object_get(rec, "b"));
    json_int_t t = json_integer_value(json_object_get(rec, "t"));
    int status = (int)json_integer_value(json_object_get(rec, "s"));
    if (h && b && status >= 200 && status < 500 &&
        (int64_t)g->host->now_ms(g->inst) - (int64_t)t < ACP_IDEM_KEEP_MS) {
        hit->found = 1;
        hit->conflict = strcmp(h, r->body_hash) != 0;
        hit->status = status;
        hit->body = strdup(b);
    }
    json_decref(rec);
}

void acp_idem_begin(struct acp_req *r)
{
    if (r->idem_name[0]) json_object_set_new(st(r->g)->in_flight, r->idem_name, json_true());
}

static int64_t state_int(struct chatgpt *g, const char *name)
{
    char *text = g->host->state_get(g->inst, name);
    int64_t v = text && *text ? strtoll(text, NULL, 10) : -1;
    g->host->free(text);
    return v;
}

/* Empty the buckets (and their records) older than the keep time. */
static void prune(struct chatgpt *g, int64_t hour_now)
{
    const struct hub_host *host = g->host;
    int64_t oldest = state_int(g, OLDEST_NAME), was = oldest;
    int64_t last = hour_now - ACP_IDEM_KEEP_MS / 3600000 - 1;
    if (oldest < 0) oldest = hour_now;
    const char *gone = HUB_HOST_HAS(host, state_each) ? NULL : ""; /* NULL deletes */
    int steps = 0;
    for (; oldest <= last && steps < PRUNE_STEPS; oldest++, steps++) {
        char bucket[64];
        snprintf(bucket, sizeof bucket, "acp:idemidx:%" PRId64, oldest);
        char *text = host->state_get(g->inst, bucket);
        json_t *names = text && *text ? json_loads(text, 0, NULL) : NULL;
        host->free(text);
        size_t i;
        json_t *v;
        json_array_foreach(names, i, v) {
            const char *name = json_string_value(v);
            if (name && strncmp(name, "acp:idem:", 9) == 0) host->state_set(g->inst, name, gone);
        }
        if (names) host->state_set(g->inst, bucket, gone);
        json_decref(names);
    }
    if (oldest == was) return;
    char val[32];
    snprintf(val, sizeof val, "%" PRId64, oldest);
    host->state_set(g->inst, OLDEST_NAME, val);
}

void acp_idem_end(struct acp_req *r, int status, const char *body)
{
    struct chatgpt *g = r->g;
    const struct hub_host *host = g->host;
    if (!r->idem_name[0]) return;
    json_object_del(st(g)->in_flight, r->idem_name);
    if (status >= 500 || status == 409) return; /* a retry must run again */
    uint64_t now = host->now_ms(g->inst);
    json_t *rec = json_pack("{s:s, s:i, s:s, s:I}", "h", r->body_hash, "s", status, "b", body, "t",
                            (json_int_t)now);
    char *text = chatgpt_dump(rec);
    json_decref(rec);
    if (!text || host->state_set(g->inst, r->idem_name, text) != 0) {
        host->log(g->inst, HUB_LOG_WARN, "acp: could not record the answer to Idempotency-Key %s", r->idem_key);
        free(text);
        return;
    }
    free(text);
    int64_t hour = (int64_t)(now / 3600000);
    char bucket[64];
    snprintf(bucket, sizeof bucket, "acp:idemidx:%" PRId64, hour);
    char *btext = host->state_get(g->inst, bucket);
    json_t *names = btext && *btext ? json_loads(btext, 0, NULL) : NULL;
    host->free(btext);
    if (!json_is_array(names)) {
        json_decref(names);
        names = json_array();
    }
    json_array_append_new(names, json_string(r->idem_name));
    char *ntext = chatgpt_dump(names);
    json_decref(names);
    if (ntext) host->state_set(g->inst, bucket, ntext);
    free(ntext);
    prune(g, hour);
}

int acp_idem_init(struct chatgpt *g)
{
    st(g)->in_flight = json_object();
    return st(g)->in_flight ? 0 : -1;
}

void acp_idem_destroy(struct chatgpt *g)
{
    if (!st(g)) return;
    json_decref(st(g)->in_flight);
    st(g)->in_flight = NULL;
}
