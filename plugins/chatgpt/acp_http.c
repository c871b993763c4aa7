/* acp_http.c - the ACP checkout route: checks every request the protocol's way
 * (Authorization, API-Version, Idempotency-Key, Request-Id, JSON body), answers
 * replays from the idempotency records and hands the rest to acp_ops.c. */
#include "acp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void respond_json(struct acp_req *r, int status, const char *text, int replayed)
{
    const struct hub_host *host = r->g->host;
    struct hub_header h[7];
    size_t n = 0;
    h[n++] = (struct hub_header){"Content-Type", "application/json"};
    h[n++] = (struct hub_header){"API-Version", ACP_API_VERSION};
    if (r->idem_key[0]) h[n++] = (struct hub_header){"Idempotency-Key", r->idem_key};
    if (r->request_id[0]) h[n++] = (struct hub_header){"Request-Id", r->request_id};
    if (replayed) h[n++] = (struct hub_header){"Idempotent-Replayed", "true"};
    if (status == 401) h[n++] = (struct hub_header){"WWW-Authenticate", "Bearer realm=\"acp\""};
    if (status == 409) h[n++] = (struct hub_header){"Retry-After", "1"};
    host->respond(r->req, status, h, n, text, strlen(text));
}

static void acp_req_free(struct acp_req *r)
{
    json_decref(r->body);
    free(r);
}

void acp_reply(struct acp_req *r, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        status = 500;
        text = strdup("{\"type\":\"processing_error\",\"code\":\"internal\",\"message\":\"could not encode the response\"}");
    }
    if (r->idem_name[0]) acp_idem_end(r, status, text);
    if (r->locked) acp_session_unlock(r->g, r->session_id);
    respond_json(r, status, text, 0);
    free(text);
    acp_req_free(r);
}

json_t *acp_error(const char *type, const char *code, const char *param, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *e = json_pack("{s:s, s:s, s:s}", "type", type ? type : "invalid_request", "code", code,
                          "message", msg);
    if (param) json_object_set_new(e, "param", json_string(param));
    return e;
}

void acp_reply_error(struct acp_req *r, int status, const char *type, const char *code,
                     const char *param, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    acp_reply(r, status, acp_error(type, code, param, "%s", msg));
}

/* An early refusal: no idempotency record, no lock held. */
static void refuse(struct acp_req *r, int status, const char *code, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void refuse(struct acp_req *r, int status, const char *code, const char *param, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->idem_name[0] = '\0';
    r->session_id[0] = '\0';
    acp_reply(r, status, acp_error("invalid_request", code, param, "%s", msg));
}

/* "acp/checkout_sessions[/<id>[/complete|/cancel]]" -> op, allowed method.  0 or -1. */
static int parse_path(struct acp_req *r, const char *path, const char **want_method)
{
    const char *p = path;
    if (strncmp(p, "acp/", 4) != 0) return -1;
    p += 4;
    size_t plen = strlen(p);
    while (plen > 0 && p[plen - 1] == '/') plen--; /* tolerate a trailing slash */
    const char *base = "checkout_sessions";
    size_t bl = strlen(base);
    if (plen < bl || strncmp(p, base, bl) != 0) return -1;
    if (plen == bl) {
        snprintf(r->op, sizeof r->op, "create");
        *want_method = "POST";
        return 0;
    }
    if (p[bl] != '/') return -1;
    const char *id = p + bl + 1;
    const char *slash = memchr(id, '/', plen - bl - 1);
    size_t idl = slash ? (size_t)(slash - id) : plen - bl - 1;
    if (idl == 0 || idl >= sizeof r->session_id) return -1;
    for (size_t i = 0; i < idl; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return -1;
    }
    memcpy(r->session_id, id, idl);
    r->session_id[idl] = '\0';
    if (!slash) {
        snprintf(r->op, sizeof r->op, "session"); /* GET = get, POST = update */
        *want_method = "GET, POST";
        return 0;
    }
    size_t rest = plen - bl - 1 - idl - 1;
    if (rest == 8 && strncmp(slash + 1, "complete", 8) == 0) snprintf(r->op, sizeof r->op, "complete");
    else if (rest == 6 && strncmp(slash + 1, "cancel", 6) == 0) snprintf(r->op, sizeof r->op, "cancel");
    else return -1;
    *want_method = "POST";
    return 0;
}

static int authorized(struct chatgpt *g, struct hub_http_req *req)
{
    const struct hub_host *host = g->host;
    const char *auth = host->req_header(req, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) return 0;
    const char *tok = auth + 7;
    while (*tok == ' ') tok++;
    char *secret = host->secret(g->inst, "acp_api_key");
    if (!secret) return 0;
    int ok = *secret && host->secure_equal(secret, strlen(secret), tok, strlen(tok));
    host->free_secret(secret);
    return ok;
}

static int is_json_type(const char *ct)
{
    if (!ct) return 0;
    while (*ct == ' ') ct++;
    return strncasecmp(ct, "application/json", 16) == 0 && (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

static void run_op(struct acp_req *r)
{
    if (strcmp(r->op, "create") == 0) acp_op_create(r);
    else if (strcmp(r->op, "update") == 0) acp_op_update(r);
    else if (strcmp(r->op, "complete") == 0) acp_op_complete(r);
    else if (strcmp(r->op, "cancel") == 0) acp_op_cancel(r);
    else acp_op_get(r);
}

void chatgpt_acp_route(void *ctx, struct hub_http_req *req)
{
    struct chatgpt *g = ctx;
    const struct hub_host *host = g->host;
    struct acp_req *r = calloc(1, sizeof *r);
    if (!r) {
        host->respond(req, 503, NULL, 0, "", 0);
        return;
    }
    r->g = g;
    r->req = req;
    const char *rid = host->req_header(req, "Request-Id");
    if (rid && strlen(rid) < sizeof r->request_id) snprintf(r->request_id, sizeof r->request_id, "%s", rid);

    if (!g->acp) {
        refuse(r, 404, "not_found", NULL, "ACP checkout is not enabled for this merchant");
        return;
    }
    const char *method = host->req_method(req), *want = NULL;
    if (parse_path(r, host->req_path(req), &want) != 0) {
        refuse(r, 404, "not_found", NULL, "no such ACP endpoint: /%s", host->req_path(req));
        return;
    }
    if (!strstr(want, method)) {
        r->idem_name[0] = '\0';
        r->session_id[0] = '\0';
        struct hub_header h[] = {{"Allow", want}, {"Content-Type", "application/json"}};
        char body[300];
        int n = snprintf(body, sizeof body,
                         "{\"type\":\"invalid_request\",\"code\":\"method_not_allowed\",\"message\":\"%s is not "
                         "allowed here; use %s\"}", method, want);
        host->respond(req, 405, h, 2, body, (size_t)n);
        acp_req_free(r);
        return;
    }
    if (strcmp(r->op, "session") == 0) snprintf(r->op, sizeof r->op, "%s", strcmp(method, "GET") == 0 ? "get" : "update");
    if (!authorized(g, req)) {
        refuse(r, 401, "unauthorized", NULL, "a valid 'Authorization: Bearer <api key>' header is required");
        return;
    }
    char why[200];
    if (!acp_signature_ok(g, req, why, sizeof why)) {
        refuse(r, 401, "invalid_signature", NULL, "%s", why);
        return;
    }
    const char *ver = host->req_header(req, "API-Version");
    if (!ver || !*ver) {
        refuse(r, 400, "missing_api_version", NULL, "the API-Version header is required (supported: %s)",
               ACP_API_VERSION);
        return;
    }
    if (strcmp(ver, ACP_API_VERSION) != 0) {
        refuse(r, 400, "unsupported_api_version", NULL, "API-Version '%.40s' is not supported; supported versions: %s",
               ver, ACP_API_VERSION);
        return;
    }
    if (strcmp(method, "GET") == 0) {
        run_op(r);
        return;
    }

    /* POST: Idempotency-Key, a JSON object body (cancel's is optional). */
    const char *key = host->req_header(req, "Idempotency-Key");
    if (!key || !*key) {
        refuse(r, 400, "idempotency_key_required", NULL, "Idempotency-Key header is required");
        return;
    }
    if (strlen(key) > 255) {
        refuse(r, 400, "invalid_idempotency_key", NULL, "Idempotency-Key is longer than 255 characters");
        return;
    }
    snprintf(r->idem_key, sizeof r->idem_key, "%s", key);
    size_t len = 0;
    const char *raw = host->req_body(req, &len);
    if (len > 0 || strcmp(r->op, "cancel") != 0) {
        if (!is_json_type(host->req_header(req, "Content-Type"))) {
            refuse(r, 415, "unsupported_media_type", NULL, "the body must be sent as Content-Type: application/json");
            return;
        }
        json_error_t jerr;
        r->body = json_loadb(raw ? raw : "", len, JSON_REJECT_DUPLICATES, &jerr);
        if (!r->body) {
            refuse(r, 400, "invalid_json", NULL, "the body is not valid JSON: %s (line %d, column %d)", jerr.text,
                   jerr.line, jerr.column);
            return;
        }
        if (!json_is_object(r->body)) {
            refuse(r, 400, "invalid_json", "$", "the body must be a JSON object");
            return;
        }
    } else {
        r->body = json_object();
    }
    char *canon = json_dumps(r->body, JSON_COMPACT | JSON_SORT_KEYS);
    acp_sha256_hex(canon ? canon : "", canon ? strlen(canon) : 0, r->body_hash);
    free(canon);

    char scope[128];
    snprintf(scope, sizeof scope, "%s %s", r->op, r->session_id);
    struct acp_idem_hit hit = {0};
    acp_idem_lookup(r, scope, &hit);
    if (hit.in_flight) {
        free(hit.body);
        refuse(r, 409, "idempotency_in_flight", NULL, "A request with this Idempotency-Key is currently being processed");
        return;
    }
    if (hit.found && hit.conflict) {
        free(hit.body);
        refuse(r, 422, "idempotency_conflict", NULL, "Idempotency-Key has already been used with a different request body");
        return;
    }
    if (hit.found) {
        respond_json(r, hit.status, hit.body, 1);
        free(hit.body);
        acp_req_free(r);
        return;
    }
    free(hit.body);

    json_t *bad = NULL;
    if (strcmp(r->op, "create") == 0) bad = acp_validate_create(r->body);
    else if (strcmp(r->op, "update") == 0) bad = acp_validate_update(r->body);
    else if (strcmp(r->op, "complete") == 0) bad = acp_validate_complete(r->body);
    else bad = acp_validate_cancel(r->body);
    if (r->session_id[0] && !acp_session_lock(g, r->session_id)) {
        json_decref(bad);
        r->idem_name[0] = '\0';
        acp_reply(r, 409, acp_error("invalid_request", "session_busy", NULL,
                                    "another request on this checkout session is being processed; retry shortly"));
        return;
    }
    r->locked = r->session_id[0] != '\0';
    acp_idem_begin(r);
    if (bad) { /* a bad body is answered the same way every time: it is recorded too */
        acp_reply(r, 400, bad);
        return;
    }
    run_op(r);
}
