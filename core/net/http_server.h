/*
 * http_server.h - the inbound HTTP/1.1 server on the libuv loop (llhttp).
 *
 * One listener; every connection is a uv_tcp_t with its own llhttp parser.
 * Keep-alive and pipelining: requests on one connection are handled one at a
 * time, in order.  When a request is complete the parser pauses, the request
 * goes to the dispatch callback, and the next pipelined request is parsed
 * only once the response to the current one is queued (bytes that arrived
 * meanwhile wait in a bounded buffer).  `Connection: close` is honoured and
 * HTTP/1.0 closes unless the client asked for keep-alive.
 *
 * Answering is asynchronous: the dispatch callback receives the request and
 * calls http_respond() now or at any later time on the loop thread (e.g.
 * after a durable LMDB commit).  Until then the request belongs to the
 * handler: if the client disconnects, or the handler timeout answers 504 in
 * its place, or the server stops, the request stays valid (all accessors
 * work) and the later http_respond() is dropped silently and frees it.
 * Every dispatched request must be answered exactly once.
 *
 * Limits (struct http_limits) and the answers they give, each with a JSON
 * body naming the limit, after which the connection is closed:
 *   431 header block over max_header_bytes    {"error":"... (limit max_header)"}
 *   413 body over max_body_bytes (checked on Content-Length before reading
 *       the body, and while counting chunked bytes)
 *   408 header_timeout_ms since the first byte of a request (slow loris:
 *       an absolute deadline, not reset by trickled bytes), or
 *       body_timeout_ms since the end of the headers
 *   503 a connection beyond max_connections (answered and closed at once)
 *   429 more requests from one client IP than rate_per_sec allows (token
 *       bucket of rate_burst), with Retry-After in seconds
 *   400 malformed request (llhttp's reason), bad percent escape or NUL in
 *       the path, request target not starting with '/'
 *   504 the handler did not answer within handler_timeout_ms
 * An idle keep-alive connection is closed silently after idle_timeout_ms;
 * the max_requests_per_conn-th request is answered with Connection: close.
 *
 * Threading: everything here runs on the loop thread.  Metrics go to the
 * default registry: hub_http_requests_total{code}, hub_http_request_duration_ms,
 * hub_http_connections, hub_http_refused_total{limit}.
 */
#ifndef HUB_NET_HTTP_SERVER_H
#define HUB_NET_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "hub/host.h" /* struct hub_header {name, value} */

struct http_limits {
    size_t max_header_bytes;        /* request line + header block; default 16 KiB */
    size_t max_body_bytes;          /* default 1 MiB */
    uint32_t header_timeout_ms;     /* first byte -> end of headers; default 10 s */
    uint32_t body_timeout_ms;       /* end of headers -> end of body; default 30 s */
    uint32_t idle_timeout_ms;       /* keep-alive wait for the next request; default 60 s */
    uint32_t write_timeout_ms;      /* a response not taken by the client; default 30 s */
    uint32_t handler_timeout_ms;    /* dispatch -> http_respond; 0 = none; default 60 s */
    uint32_t stop_grace_ms;         /* http_server_stop waits for in-flight answers; default 5 s */
    uint32_t max_connections;       /* default 1024 */
    uint32_t max_requests_per_conn; /* 0 = unlimited; default 1000 */
    double rate_per_sec;            /* per client IP; 0 = off (default) */
    double rate_burst;              /* bucket size; default max(1, rate_per_sec) */
    uint32_t rate_max_clients;      /* IPs tracked; default 10000 */
    int trust_forwarded_for;        /* client IP = last X-Forwarded-For entry; default 0 */
};

/* Fill with the defaults above.  Callers start from this and change fields;
 * http_server_start(NULL limits) uses the defaults. */
void http_limits_default(struct http_limits *l);

struct http_server;
struct http_request;

/* Called on the loop thread for every complete request.  The handler owns
 * `req` until it calls http_respond() (or a helper below) exactly once. */
typedef void (*http_dispatch_fn)(struct http_request *req, void *arg);

/* Listen on "host:port" ("127.0.0.1:8080", "[::1]:0", "0.0.0.0:80",
 * "localhost:8080"; port 0 picks an ephemeral port).  0, or -1 with err. */
int http_server_start(uv_loop_t *loop, const char *listen, const struct http_limits *limits,
                      http_dispatch_fn dispatch, void *arg, struct http_server **out, char *err,
                      size_t n);
int http_server_port(const struct http_server *s);
/* Open connections (accepted, not refused). */
size_t http_server_connections(const struct http_server *s);
/* Stop: close the listener and idle or half-read connections now; a
 * connection whose request is with the handler gets that answer (with
 * Connection: close) or is closed after stop_grace_ms (0: everything is
 * closed at once).  `on_closed` (may be NULL) runs on the loop once every
 * handle is closed and the server is freed.  Requests still held by
 * handlers stay valid (see above). */
void http_server_stop(struct http_server *s, void (*on_closed)(void *arg), void *arg);

/* ----------------------------------------------------------- the request */
const char *http_request_method(const struct http_request *r);   /* "GET" */
const char *http_request_target(const struct http_request *r);   /* raw: "/a%20b?x=1" */
const char *http_request_raw_path(const struct http_request *r); /* "/a%20b" */
const char *http_request_path(const struct http_request *r);     /* decoded: "/a b" */
const char *http_request_query(const struct http_request *r);    /* raw "x=1", or "" */
/* First value of a header (case-insensitive name), or NULL. */
const char *http_request_header(const struct http_request *r, const char *name);
/* Every header in arrival order (duplicates kept): 0..count-1. */
size_t http_request_header_count(const struct http_request *r);
int http_request_header_at(const struct http_request *r, size_t i, const char **name,
                           const char **value);
/* Raw body bytes exactly as received (chunked framing removed); NUL-
 * terminated for convenience (the NUL is not counted); never NULL. */
const char *http_request_body(const struct http_request *r, size_t *len);
const char *http_request_peer(const struct http_request *r); /* "127.0.0.1", "::1" */
int http_request_peer_port(const struct http_request *r);
/* The client IP used for rate limiting: the peer, or the last
 * X-Forwarded-For entry when limits.trust_forwarded_for is set. */
const char *http_request_client_ip(const struct http_request *r);
uint64_t http_request_received_ms(const struct http_request *r); /* wall clock, first byte */
uint64_t http_request_id(const struct http_request *r);          /* per-server sequence, from 1 */
int http_request_http_minor(const struct http_request *r);       /* 1 for HTTP/1.1, 0 for 1.0 */
/* 1 while the client is still connected and waiting for this answer. */
int http_request_connected(const struct http_request *r);
/* Handler context, freed with free_fn (if not NULL) when the request is freed. */
void http_request_set_data(struct http_request *r, void *data, void (*free_fn)(void *));
void *http_request_data(const struct http_request *r);
/* Set by the router for prefix routes: the decoded path after the prefix
 * (route "/t/demo/shopify/" + '*' on "/t/demo/shopify/webhooks" gives
 * "webhooks"); "" for exact routes and before routing. */
const char *http_request_route_rest(const struct http_request *r);
void http_request_set_route_rest(struct http_request *r, size_t prefix_len);

/* The token of "Authorization: Bearer <token>" (scheme case-insensitive,
 * surrounding spaces dropped), or NULL.  Points into the header value. */
const char *http_request_bearer(const struct http_request *r);

/* Decoded value of the first query parameter `name` ('+' is a space), or
 * NULL when absent or badly escaped.  Caller frees. */
char *http_request_query_param(const struct http_request *r, const char *name);

/* ----------------------------------------------------------- answering
 * Status 200..599 (others are sent as 500).  Content-Length, Date and
 * Connection are set by the server (given ones are ignored); a header whose
 * name or value holds CR, LF or NUL is dropped.  A "Connection: close"
 * header makes the server close after this answer.  HEAD answers carry no
 * body; 204 and 304 never do.  `req` is invalid afterwards. */
void http_respond(struct http_request *req, int status, const struct hub_header *headers,
                  size_t n_headers, const void *body, size_t len);
/* Content-Type: application/json; takes the reference to `body` (NULL: 500). */
void http_respond_json(struct http_request *req, int status, json_t *body);
/* {"error":"<message>"} */
void http_respond_error(struct http_request *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ----------------------------------------------------------- helpers */
/* Percent-decode in[0..n) into out (room for n+1 bytes), NUL-terminated.
 * plus_space: '+' becomes ' ' (query strings).  Returns the decoded length,
 * or -1 on a bad escape or a decoded NUL byte. */
long http_percent_decode(const char *in, size_t n, char *out, int plus_space);
/* "Not Found" for 404; "" for an unknown code. */
const char *http_status_reason(int status);

#endif
