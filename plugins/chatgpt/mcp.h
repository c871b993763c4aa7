/*
 * mcp.h - MCP over Streamable HTTP at /t/<tenant>/<channel>/mcp.
 *
 *   mcp_http.c     the transport: method, Origin, Accept, headers, sessions,
 *                  JSON or SSE answers, HTTP status per era
 *   mcp_rpc.c      JSON-RPC 2.0 checks and the method table
 *   mcp_session.c  legacy-era sessions (Mcp-Session-Id)
 *   mcp_version.c  protocol revisions and eras
 *
 * Eras: "legacy" = 2025-06-18 and 2025-11-25 (initialize handshake, optional
 * sessions); "modern" = 2026-07-28 (stateless: server/discover, required
 * MCP-Protocol-Version / Mcp-Method / Mcp-Name headers, resultType, no sessions).
 */
#ifndef CHATGPT_MCP_H
#define CHATGPT_MCP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cart.h"
#include "chatgpt.h"

/* JSON-RPC and MCP error codes */
#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL_ERROR -32603
#define MCP_RESOURCE_NOT_FOUND -32002
#define MCP_HEADER_MISMATCH -32020
#define MCP_UNSUPPORTED_VERSION -32022

#define MCP_MODERN "2026-07-28"
#define MCP_LEGACY_NEWEST "2025-11-25"

/* mcp_version.c */
int mcp_version_supported(const char *v); /* any era */
int mcp_version_modern(const char *v);    /* 2026-07-28 */
json_t *mcp_supported_versions(void);     /* NEW array, newest first */

/* One request being answered (tools/call may finish later, from a cart callback). */
struct mcp_call {
    struct chatgpt *g;
    struct hub_http_req *req;
    json_t *id;           /* the request id (owned reference) */
    char version[16];     /* protocol revision in force for this request */
    int modern;
    int sse;              /* answer as text/event-stream */
    char session[80];     /* Mcp-Session-Id to send back ("" = none) */
    char owner[160];      /* openai/subject ("" = none) */
    char client[200];     /* rate limiting key */
    char account[200];    /* order list key ("" = none) */
    struct cart_caller who;
};

/* Send the result (stolen) / a JSON-RPC error (data stolen, may be NULL) and
 * free the call.  http_status 0 = the era's default for that error. */
void mcp_reply_result(struct mcp_call *c, json_t *result);
void mcp_reply_error(struct mcp_call *c, int http_status, int code, const char *message, json_t *data);

/* mcp_http.c */
void mcp_route(void *ctx, struct hub_http_req *req);
int mcp_init(struct chatgpt *g);
void mcp_destroy(struct chatgpt *g);

/* mcp_session.c (legacy era) */
/* Mint a session for `version`; id into out (NUL-terminated, <= 80). 0 or -1. */
int mcp_session_new(struct chatgpt *g, const char *version, char *out, size_t out_len);
/* The session's negotiated version (valid until the next session call), or NULL if unknown/expired. */
const char *mcp_session_get(struct chatgpt *g, const char *id);
int mcp_session_end(struct chatgpt *g, const char *id); /* 0 ended, -1 unknown */
void mcp_sessions_free(struct chatgpt *g);

/* mcp_rpc.c: dispatch one validated request (method, params) */
void mcp_dispatch(struct mcp_call *c, const char *method, json_t *params);
/* 1 if the method exists in this era (for notifications and 404 mapping) */
int mcp_method_known(const char *method, int modern);

#endif /* CHATGPT_MCP_H */
