/*
 * mcp_http.c - the Streamable HTTP transport (mcp.h).
 *
 * Order of checks (each failure answers at once and changes nothing):
 *   Origin present and not allowed        403
 *   GET                                   405 (no server-initiated stream)
 *   DELETE  modern / sessions off         405; missing id 400; unknown 404; else 200
 *   other methods                         405
 *   POST: Accept lacks JSON and SSE       406; Content-Type not JSON 415
 *         body not JSON                   400 -32700
 *         not one JSON-RPC message        400 -32600
 *         MCP-Protocol-Version unknown    400 -32022 {requested, supported}
 *         modern: headers vs body         400 -32020
 *         legacy: session missing/unknown 400 / 404
 *         notification or response        202, empty
 *   then the method (mcp_rpc.c): JSON (Accept has application/json) or SSE.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mcp.h"

static const char *hdr(struct chatgpt *g, struct hub_http_req *req, const char *name)
{
    const char *v = g->host->req_header(req, name);
    return v && *v ? v : NULL;
}

static void respond_json(struct chatgpt *g, struct hub_http_req *req, int status, json_t *body,
                         const char *session, int sse)
{
    struct hub_header h[3];
    size_t n = 0;
    h[n++] = (struct hub_header){"Content-Type", sse ? "text/event-stream" : "application/json"};
    if (sse) h[n++] = (struct hub_header){"Cache-Control", "no-cache"};
    if (session && *session) h[n++] = (struct hub_header){"Mcp-Session-Id", session};
    char *txt = body ? chatgpt_dump(body) : NULL;
    if (sse && txt) {
        size_t len = strlen(txt) + 32;
        char *ev = malloc(len);
        if (ev) {
            int k = snprintf(ev, len, "event: message\ndata: %s\n\n", txt);
            g->host->respond(req, status, h, n, ev, (size_t)k);
            free(ev);
            free(txt);
            return;
        }
    }
    g->host->respond(req, status, h, n, txt ? txt : "", txt ? strlen(txt) : 0);
    free(txt);
}

static json_t *error_body(json_t *id, int code, const char *message, json_t *data)
{
    json_t *e = json_pack("{s:i, s:s}", "code", code, "message", message);
    if (data) json_object_set_new(e, "data", data);
    /* MCP's schema: an error whose request id is unknown carries no "id" (never null) */
    json_t *b = json_pack("{s:s, s:o}", "jsonrpc", "2.0", "error", e);
    if (id && !json_is_null(id)) json_object_set(b, "id", id);
    return b;
}

/* A transport-level refusal: JSON-RPC error body, never SSE. */
static void refuse(struct chatgpt *g, struct hub_http_req *req, int status, json_t *id, int code,
                   const char *message, json_t *data)
{
    json_t *b = error_body(id, code, message, data);
    respond_json(g, req, status, b, NULL, 0);
    json_decref(b);
}

static void refuse_plain(struct chatgpt *g, struct hub_http_req *req, int status, const char *allow,
                         const char *message)
{
    struct hub_header h[2] = {{"Content-Type", "application/json"}, {"Allow", allow}};
    json_t *b = error_body(NULL, RPC_INVALID_REQUEST, message, NULL);
    char *txt = chatgpt_dump(b);
    g->host->respond(req, status, h, allow ? 2 : 1, txt, strlen(txt));
    free(txt);
    json_decref(b);
}

static void call_free(struct mcp_call *c)
{
    json_decref(c->id);
    free(c);
}

void mcp_reply_result(struct mcp_call *c, json_t *result)
{
    if (c->modern) {
        if (!json_object_get(result, "resultType"))
            json_object_set_new(result, "resultType", json_string("complete"));
        json_t *meta = json_object_get(result, "_meta");
        if (!meta) {
            meta = json_object();
            json_object_set_new(result, "_meta", meta);
        }
        json_object_set_new(meta, "io.modelcontextprotocol/serverInfo",
                            json_pack("{s:s, s:s}", "name", "hub-chatgpt", "version", CHATGPT_VERSION));
    }
    json_t *b = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", c->id, "result", result);
    respond_json(c->g, c->req, 200, b, c->session, c->sse);
    json_decref(b);
    call_free(c);
}

void mcp_reply_error(struct mcp_call *c, int http_status, int code, const char *message, json_t *data)
{
    if (!http_status) {
        switch (code) {
        case RPC_PARSE_ERROR:
        case RPC_INVALID_REQUEST:
        case MCP_HEADER_MISMATCH:
        case MCP_UNSUPPORTED_VERSION: http_status = 400; break;
        case RPC_METHOD_NOT_FOUND: http_status = c->modern ? 404 : 200; break;
        default: http_status = 200;
        }
    }
    json_t *b = error_body(c->id, code, message, data);
    respond_json(c->g, c->req, http_status, b, c->session, http_status == 200 ? c->sse : 0);
    json_decref(b);
    call_free(c);
}

static int origin_allowed(struct chatgpt *g, const char *origin)
{
    for (size_t i = 0; i < g->n_allowed_origins; i++) {
        const char *a = g->allowed_origins[i];
        if (strcmp(a, "*") == 0 || strcasecmp(a, origin) == 0) return 1;
    }
    return 0;
}

/* Does the Accept header list `type` (or a wildcard covering it)? */
static int accepts(const char *accept, const char *type)
{
    if (!accept) return 0;
    const char *slash = strchr(type, '/');
    char major[32];
    snprintf(major, sizeof major, "%.*s/*", (int)(slash - type), type);
    const char *p = accept;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        const char *e = p;
        while (*e && *e != ',' && *e != ';') e++;
        size_t len = (size_t)(e - p);
        while (len && p[len - 1] == ' ') len--;
        if ((len == strlen(type) && strncasecmp(p, type, len) == 0) ||
            (len == strlen(major) && strncasecmp(p, major, len) == 0) || (len == 3 && strncmp(p, "*/*", 3) == 0))
            return 1;
        while (*e && *e != ',') e++;
        p = e;
    }
    return 0;
}

/* Mcp-Name may arrive as =?base64?...?= for non-ASCII values. */
static char *decode_name(const char *v)
{
    size_t n = strlen(v);
    if (n < 12 || strncasecmp(v, "=?base64?", 9) != 0 || strcmp(v + n - 2, "?=") != 0) return strdup(v);
    const char *s = v + 9;
    size_t len = n - 11;
    char *out = malloc(len + 1);
    if (!out) return NULL;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        int d;
        if (ch >= 'A' && ch <= 'Z') d = ch - 'A';
        else if (ch >= 'a' && ch <= 'z') d = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9') d = ch - '0' + 52;
        else if (ch == '+' || ch == '-') d = 62;
        else if (ch == '/' || ch == '_') d = 63;
        else if (ch == '=') break;
        else { free(out); return NULL; }
        acc = acc << 6 | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)(acc >> bits & 0xff);
        }
    }
    out[o] = '\0';
    return out;
}

static const char *meta_str(json_t *params, const char *key)
{
    return json_string_value(json_object_get(json_object_get(params, "_meta"), key));
}

/* Modern era: the headers must mirror the body. */
static int check_modern_headers(struct mcp_call *c, const char *pv, const char *method, json_t *params,
                                int is_request)
{
    struct chatgpt *g = c->g;
    const char *mh = hdr(g, c->req, "Mcp-Method");
    char msg[256];
    if (!mh || strcmp(mh, method) != 0) {
        snprintf(msg, sizeof msg, "Mcp-Method header %s%s%s does not match the body's method '%s'",
                 mh ? "'" : "", mh ? mh : "is missing and", mh ? "'" : "", method);
        mcp_reply_error(c, 400, MCP_HEADER_MISMATCH, msg, NULL);
        return -1;
    }
    const char *key = strcmp(method, "tools/call") == 0 || strcmp(method, "prompts/get") == 0 ? "name"
                      : strcmp(method, "resources/read") == 0                                 ? "uri"
                                                                                              : NULL;
    if (key) {
        const char *want = json_string_value(json_object_get(params, key));
        const char *nh = hdr(g, c->req, "Mcp-Name");
        char *dec = nh ? decode_name(nh) : NULL;
        int ok = dec && want && strcmp(dec, want) == 0;
        free(dec);
        if (!ok) {
            snprintf(msg, sizeof msg, "Mcp-Name header %s does not match params.%s", nh ? "value" : "is missing and",
                     key);
            mcp_reply_error(c, 400, MCP_HEADER_MISMATCH, msg, NULL);
            return -1;
        }
    }
    const char *mv = meta_str(params, "io.modelcontextprotocol/protocolVersion");
    if ((is_request || mv) && (!mv || strcmp(mv, pv) != 0)) {
        snprintf(msg, sizeof msg,
                 "MCP-Protocol-Version header '%s' does not match params._meta[\"io.modelcontextprotocol/protocolVersion\"]",
                 pv);
        mcp_reply_error(c, 400, MCP_HEADER_MISMATCH, msg, NULL);
        return -1;
    }
    return 0;
}

static void set_caller(struct mcp_call *c, json_t *params)
{
    struct chatgpt *g = c->g;
    const char *subject = meta_str(params, "openai/subject");
    if (subject && strlen(subject) < sizeof c->owner) snprintf(c->owner, sizeof c->owner, "%s", subject);
    const char *origin = hdr(g, c->req, "Origin"), *xff = hdr(g, c->req, "X-Forwarded-For");
    if (c->owner[0]) snprintf(c->client, sizeof c->client, "subject:%s", c->owner);
    else if (origin) snprintf(c->client, sizeof c->client, "origin:%.180s", origin);
    else if (xff) snprintf(c->client, sizeof c->client, "ip:%.*s", (int)strcspn(xff, ", "), xff);
    else if (c->session[0]) snprintf(c->client, sizeof c->client, "session:%s", c->session);
    else snprintf(c->client, sizeof c->client, "anonymous");
    if (c->owner[0]) snprintf(c->account, sizeof c->account, "subject:%s", c->owner);
    else if (c->session[0]) snprintf(c->account, sizeof c->account, "session:%s", c->session);
    c->who.owner = c->owner;
    c->who.client = c->client;
}

static void handle_delete(struct chatgpt *g, struct hub_http_req *req, const char *pv)
{
    if (!g->sessions || mcp_version_modern(pv)) {
        refuse_plain(g, req, 405, "POST", "DELETE is not supported: this server keeps no session to end");
        return;
    }
    const char *sid = hdr(g, req, "Mcp-Session-Id");
    if (!sid) {
        refuse(g, req, 400, NULL, RPC_INVALID_REQUEST, "Mcp-Session-Id header required", NULL);
        return;
    }
    if (mcp_session_end(g, sid) != 0) {
        refuse(g, req, 404, NULL, -32001, "Session not found", NULL);
        return;
    }
    g->host->respond(req, 200, NULL, 0, "", 0);
}

static int is_valid_id(const json_t *id)
{
    return json_is_string(id) || json_is_integer(id);
}

void mcp_route(void *ctx, struct hub_http_req *req)
{
    struct chatgpt *g = ctx;
    const struct hub_host *host = g->host;
    const char *method = host->req_method(req);
    const char *origin = hdr(g, req, "Origin");
    if (origin && !origin_allowed(g, origin)) {
        refuse(g, req, 403, NULL, RPC_INVALID_REQUEST, "Origin not allowed", NULL);
        return;
    }
    const char *pv = hdr(g, req, "MCP-Protocol-Version");
    if (strcmp(method, "GET") == 0) {
        refuse_plain(g, req, 405, g->sessions ? "POST, DELETE" : "POST",
                     "GET is not supported: this server opens no server-initiated stream");
        return;
    }
    if (strcmp(method, "DELETE") == 0) {
        handle_delete(g, req, pv);
        return;
    }
    if (strcmp(method, "POST") != 0) {
        refuse_plain(g, req, 405, "POST", "method not allowed");
        return;
    }
    const char *accept = hdr(g, req, "Accept");
    int json_ok = accepts(accept, "application/json"), sse_ok = accepts(accept, "text/event-stream");
    if (!json_ok && !sse_ok) {
        refuse(g, req, 406, NULL, RPC_INVALID_REQUEST,
               "Not Acceptable: Accept must list application/json and text/event-stream", NULL);
        return;
    }
    const char *ctype = hdr(g, req, "Content-Type");
    if (ctype && strncasecmp(ctype, "application/json", 16) != 0) {
        refuse(g, req, 415, NULL, RPC_INVALID_REQUEST, "Unsupported Media Type: Content-Type must be application/json", NULL);
        return;
    }
    size_t len = 0;
    const char *body = host->req_body(req, &len);
    json_error_t jerr;
    json_t *msg = json_loadb(body ? body : "", len, JSON_DECODE_ANY, &jerr);
    if (!msg) {
        char m[300];
        snprintf(m, sizeof m, "Parse error: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        refuse(g, req, 400, NULL, RPC_PARSE_ERROR, m, NULL);
        return;
    }
    json_t *id = json_object_get(msg, "id");
    const char *why = NULL;
    if (!json_is_object(msg)) why = json_is_array(msg) ? "Invalid Request: batches are not supported" : "Invalid Request: not a JSON-RPC message object";
    else if (!json_is_string(json_object_get(msg, "jsonrpc")) || strcmp(json_string_value(json_object_get(msg, "jsonrpc")), "2.0") != 0)
        why = "Invalid Request: \"jsonrpc\" must be \"2.0\"";
    else if (id && !is_valid_id(id)) why = "Invalid Request: \"id\" must be a string or an integer";
    json_t *mj = json_object_get(msg, "method");
    json_t *params = json_object_get(msg, "params");
    if (!why && !mj) {
        /* a response to a server request: we send none, accept and ignore */
        if (id && (json_object_get(msg, "result") || json_object_get(msg, "error"))) {
            json_decref(msg);
            host->respond(req, 202, NULL, 0, "", 0);
            return;
        }
        why = "Invalid Request: \"method\" is missing";
    }
    if (!why && !json_is_string(mj)) why = "Invalid Request: \"method\" must be a string";
    if (!why && params && !json_is_object(params)) why = "Invalid Request: \"params\" must be an object";
    if (why) {
        refuse(g, req, 400, is_valid_id(id) ? id : NULL, RPC_INVALID_REQUEST, why, NULL);
        json_decref(msg);
        return;
    }
    const char *name = json_string_value(mj);
    int is_request = id != NULL;

    struct mcp_call *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->g = g;
    c->req = req;
    c->id = json_incref(id ? id : json_null());
    c->sse = !json_ok;

    if (!pv && meta_str(params, "io.modelcontextprotocol/protocolVersion")) {
        mcp_reply_error(c, 400, MCP_HEADER_MISMATCH,
                        "MCP-Protocol-Version header is required (params._meta names a protocol version)", NULL);
        json_decref(msg);
        return;
    }
    if (pv && !mcp_version_supported(pv)) {
        char m[160];
        snprintf(m, sizeof m, "Unsupported protocol version: %.40s", pv);
        mcp_reply_error(c, 400, MCP_UNSUPPORTED_VERSION, m,
                        json_pack("{s:s, s:o}", "requested", pv, "supported", mcp_supported_versions()));
        json_decref(msg);
        return;
    }
    if (mcp_version_modern(pv)) {
        c->modern = 1;
        snprintf(c->version, sizeof c->version, "%s", pv);
        if (check_modern_headers(c, pv, name, params, is_request) != 0) {
            json_decref(msg);
            return;
        }
    } else if (strcmp(name, "initialize") != 0) {
        const char *sid = hdr(g, req, "Mcp-Session-Id");
        const char *sv = NULL;
        if (g->sessions) {
            if (!sid) {
                mcp_reply_error(c, 400, RPC_INVALID_REQUEST, "Bad Request: Mcp-Session-Id header is required", NULL);
                json_decref(msg);
                return;
            }
            if (!(sv = mcp_session_get(g, sid))) {
                mcp_reply_error(c, 404, -32001, "Session not found", NULL);
                json_decref(msg);
                return;
            }
            snprintf(c->session, sizeof c->session, "%s", sid);
        }
        if (pv && sv && strcmp(pv, sv) != 0) {
            char m[200];
            snprintf(m, sizeof m, "Bad Request: MCP-Protocol-Version %s differs from the session's %s", pv, sv);
            mcp_reply_error(c, 400, RPC_INVALID_REQUEST, m, NULL);
            json_decref(msg);
            return;
        }
        snprintf(c->version, sizeof c->version, "%s", pv ? pv : sv ? sv : "2025-06-18");
    }
    if (!is_request) { /* a notification: accepted, nothing to answer */
        call_free(c);
        json_decref(msg);
        host->respond(req, 202, NULL, 0, "", 0);
        return;
    }
    set_caller(c, params);
    mcp_dispatch(c, name, params);
    json_decref(msg);
}
