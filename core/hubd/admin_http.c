/* admin_http.c - the /admin HTTP API, behind bearer tokens with scopes.
 *
 *   GET  /admin/status                        read
 *   POST /admin/reload                        admin
 *   GET  /admin/t/<tenant>/stock/<sku>        read
 *   POST /admin/t/<tenant>/stock/<sku>        stock:write  {"adjust":-2,"reason":".."} | {"set":5}
 *   POST /admin/t/<tenant>/products           catalog:write  one product, import format
 *   GET  /admin/t/<tenant>/exceptions         read
 *   POST /admin/t/<tenant>/reconcile/<ch>     admin
 *
 * 401 without a known token, 403 when its scopes or tenants do not cover
 * the request.  Changes go through the same group commit as webhooks and are
 * answered after the durable commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/util.h"
#include "hubd/admin.h"
#include "hubd/http.h"
#include "import/import.h"
#include "net/http_router.h"
#include "net/http_server.h"
#include "net/tokens.h"

struct admin_http {
    struct hubd *d;
    char *path;
    json_t *tokens;
    struct timespec mtime;
    off_t size;
};

static struct admin_http g_admin;

/* Re-read the token file when it changed (hubctl token create/revoke). */
static json_t *tokens(void)
{
    struct stat st;
    int exists = stat(g_admin.path, &st) == 0;
    if (!exists) {
        json_decref(g_admin.tokens);
        g_admin.tokens = json_array();
        return g_admin.tokens;
    }
    if (!g_admin.tokens || st.st_mtim.tv_sec != g_admin.mtime.tv_sec ||
        st.st_mtim.tv_nsec != g_admin.mtime.tv_nsec || st.st_size != g_admin.size) {
        char err[512];
        json_t *t = tokens_load(g_admin.path, err, sizeof err);
        if (!t) {
            log_error("admin", "%s (no token accepted until fixed)", err);
            t = json_array();
        }
        json_decref(g_admin.tokens);
        g_admin.tokens = t;
        g_admin.mtime = st.st_mtim;
        g_admin.size = st.st_size;
    }
    return g_admin.tokens;
}

static int authorize(struct http_request *req, const char *scope, const char *tenant)
{
    const char *who = NULL;
    enum token_check c = tokens_check(tokens(), http_request_header(req, "Authorization"), scope, tenant, &who);
    if (c == TOKEN_OK) return 1;
    if (c == TOKEN_MISSING) {
        struct hub_header h = {"WWW-Authenticate", "Bearer realm=\"hub admin\""};
        const char *body = "{\"error\":\"missing or unknown bearer token\"}";
        http_respond(req, 401, &h, 1, body, strlen(body));
    } else {
        http_respond_error(req, 403, "token '%s' does not grant %s%s%s", who ? who : "?", scope,
                           tenant ? " on tenant " : "", tenant ? tenant : "");
    }
    return 0;
}

static void status(void *arg, struct http_request *req)
{
    if (!authorize(req, "read", NULL)) return;
    http_respond_json(req, 200, hubd_status(arg));
}

static void reload(void *arg, struct http_request *req)
{
    if (!authorize(req, "admin", NULL)) return;
    json_t *r = hubd_reload(arg, NULL);
    http_respond_json(req, json_is_true(json_object_get(r, "ok")) ? 200 : 422, r);
}

/* The event's outcome: refused for its content (unknown SKU, no reason, ...)
 * is 422 with the engine's text, not recorded (storage) is 503: try again. */
static void after_commit(void *arg, enum hub_emit_status st, const char *message)
{
    struct http_request *req = arg;
    if (st == HUB_EMIT_REFUSED)
        http_respond_error(req, 422, "%s", message ? message : "refused");
    else if (st != HUB_EMIT_COMMITTED && st != HUB_EMIT_DUPLICATE)
        http_respond_error(req, 503, "not recorded: %s", message ? message : "commit failed");
    else http_respond_json(req, 200, json_pack("{s:s}", "status", st == HUB_EMIT_DUPLICATE ? "duplicate" : "committed"));
}

static void stock_get(struct hubd *d, struct rt_tenant *rt, struct http_request *req, const char *sku)
{
    struct txn *txn = NULL;
    if (txn_begin(rt->t->store, 0, &txn) != 0) { http_respond_error(req, 503, "store unavailable"); return; }
    struct stock_totals st = {0};
    int rc = store_stock_get(txn, sku, &st);
    json_t *avail = json_object();
    for (size_t i = 0; rc == 0 && i < rt->t->n_channels; i++) {
        int64_t a = engine_available(rt->t, txn, sku, rt->t->channels[i].cfg->name);
        json_object_set_new(avail, rt->t->channels[i].cfg->name, a >= 0 ? json_integer(a) : json_null());
    }
    txn_abort(txn);
    (void)d;
    if (rc != 0) {
        json_decref(avail);
        http_respond_error(req, 404, "tenant '%s' has no stock for SKU '%s'", rt->cfg->name, sku);
        return;
    }
    http_respond_json(req, 200, json_pack("{s:s, s:I, s:I, s:o}", "sku", sku, "on_hand", (json_int_t)st.on_hand,
                                          "reserved", (json_int_t)st.reserved, "available", avail));
}

static void stock_post(struct rt_tenant *rt, struct http_request *req, const char *sku)
{
    size_t len = 0;
    const char *body = http_request_body(req, &len);
    json_error_t jerr;
    json_t *b = json_loadb(body, len, 0, &jerr);
    if (!json_is_object(b)) {
        json_decref(b);
        http_respond_error(req, 400, "body must be a JSON object: %s", jerr.text);
        return;
    }
    json_t *adjust = json_object_get(b, "adjust"), *set = json_object_get(b, "set");
    json_t *ev = NULL;
    if (json_is_integer(adjust) && !set)
        ev = json_pack("{s:s, s:s, s:O}", "type", "stock.adjust", "sku", sku, "delta", adjust);
    else if (json_is_integer(set) && !adjust)
        ev = json_pack("{s:s, s:s, s:O}", "type", "stock.set", "sku", sku, "quantity", set);
    if (!ev) {
        json_decref(b);
        http_respond_error(req, 400, "give exactly one of \"adjust\" (integer) or \"set\" (integer)");
        return;
    }
    const char *keys[] = {"reason", "location"};
    for (size_t i = 0; i < 2; i++)
        if (json_is_string(json_object_get(b, keys[i]))) json_object_set(ev, keys[i], json_object_get(b, keys[i]));
    json_object_set_new(ev, "source", json_string("admin-api"));
    json_decref(b);
    const char *idem = http_request_header(req, "Idempotency-Key");
    char *key = idem ? xasprintf("admin:%s", idem) : NULL;
    if (rt_emit(rt, NULL, key, ev, after_commit, req) != 0) http_respond_error(req, 503, "tenant not running");
    free(key);
    json_decref(ev);
}

static void products_post(struct rt_tenant *rt, struct http_request *req)
{
    size_t len = 0;
    const char *body = http_request_body(req, &len);
    json_error_t jerr;
    json_t *b = json_loadb(body, len, 0, &jerr);
    if (!json_is_object(b)) {
        json_decref(b);
        http_respond_error(req, 400, "body must be one product object (docs/import.md): %s", jerr.text);
        return;
    }
    struct import_record rec = IMPORT_RECORD_INIT;
    if (import_product(b, rt->cfg->currency, &rec) != 0) {
        http_respond_error(req, 422, "%s", rec.reason);
    } else if (rt_emit(rt, NULL, NULL, rec.event, after_commit, req) != 0) {
        http_respond_error(req, 503, "tenant not running");
    }
    import_record_clear(&rec);
    json_decref(b);
}

struct exc_list {
    json_t *list;
};

static int add_exc(void *arg, uint64_t id, uint64_t ts, const char *kind, const char *channel, const char *ref,
                   const char *message)
{
    json_array_append_new(((struct exc_list *)arg)->list,
                          json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "ts_ms", (json_int_t)ts,
                                    "kind", kind, "channel", channel, "ref", ref, "message", message));
    return 0;
}

/* /admin/t/<tenant>/<what>[/<arg>] */
static void tenant_route(void *arg, struct http_request *req)
{
    struct hubd *d = arg;
    const char *rest = http_request_route_rest(req);
    char tenant[64], what[32], sub[512] = "";
    if (sscanf(rest, "%63[^/]/%31[^/]/%511[^\n]", tenant, what, sub) < 2) {
        http_respond_error(req, 404, "no such admin path");
        return;
    }
    const char *method = http_request_method(req);
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0, post = strcmp(method, "POST") == 0;
    const char *scope = get ? "read"
                      : strcmp(what, "stock") == 0 ? "stock:write"
                      : strcmp(what, "products") == 0 ? "catalog:write" : "admin";
    if (!authorize(req, scope, tenant)) return;
    struct rt_tenant *rt = hubd_tenant(d, tenant);
    if (!rt) { http_respond_error(req, 404, "no tenant '%s'", tenant); return; }
    if (rt->failed) { http_respond_error(req, 503, "tenant '%s' is not running: %s", tenant, rt->last_error); return; }
    if (strcmp(what, "stock") == 0 && *sub && get) stock_get(d, rt, req, sub);
    else if (strcmp(what, "stock") == 0 && *sub && post) stock_post(rt, req, sub);
    else if (strcmp(what, "products") == 0 && !*sub && post) products_post(rt, req);
    else if (strcmp(what, "exceptions") == 0 && get) {
        struct txn *txn = NULL;
        struct exc_list l = {json_array()};
        if (txn_begin(rt->t->store, 0, &txn) == 0) {
            store_exception_each(txn, add_exc, &l);
            txn_abort(txn);
        }
        http_respond_json(req, 200, json_pack("{s:o}", "exceptions", l.list));
    } else if (strcmp(what, "reconcile") == 0 && *sub && post) {
        json_t *q = json_pack("{s:s, s:s, s:s}", "cmd", "reconcile", "tenant", tenant, "channel", sub);
        json_t *r = admin_handle(d, q);
        json_decref(q);
        http_respond_json(req, json_is_true(json_object_get(r, "ok")) ? 202 : 409, r);
    } else if (!get && !post) {
        struct hub_header h = {"Allow", "GET, POST"};
        const char *b = "{\"error\":\"method not allowed\"}";
        http_respond(req, 405, &h, 1, b, strlen(b));
    } else http_respond_error(req, 404, "no such admin path");
}

int admin_http_add_routes(struct hubd *d, struct http_router *r)
{
    g_admin.d = d;
    g_admin.path = tokens_path(d->cfg->data_dir);
    return http_router_add(r, "GET", "/admin/status", status, d) | http_router_add(r, "POST", "/admin/reload", reload, d) |
           http_router_add(r, "*", "/admin/t/*", tenant_route, d);
}

void admin_http_free(void)
{
    json_decref(g_admin.tokens);
    g_admin.tokens = NULL;
    free(g_admin.path);
    g_admin.path = NULL;
}
