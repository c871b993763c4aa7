/*
 * http_client.h - asynchronous outbound HTTP: libcurl's multi interface driven
 * by a libuv loop (one uv_poll_t per socket, one uv_timer_t).
 *
 * Threading: everything runs on the loop's thread; every function must be
 * called from it.  Nothing blocks: no curl_easy_perform, DNS is curl's
 * threaded resolver.
 *
 * The done callback
 *   - is called exactly once for every request that http_client_request()
 *     accepted (returned 0), and never for one it refused (returned -1);
 *   - runs on the loop thread, never from inside a libcurl callback, so it may
 *     call http_client_request(), http_client_cancel() and http_client_free();
 *   - receives a response that lives only during the call: status (0 on a
 *     transport error), error text (NULL when status > 0), the final
 *     response's headers with lower-cased names and trimmed values in arrival
 *     order (duplicates kept), the body NUL-terminated, body_len, elapsed_ms.
 *
 * Transport errors (status 0): "timeout after N ms: <curl's text>" (N is the
 * request's limit; "connect timeout after N ms: ..." when the connect limit
 * fired first), "connection refused: <curl's text>", "cancelled",
 * "response body exceeds N bytes", otherwise "<curl's short text>: <curl's
 * error buffer>" (e.g. a URL scheme other than http/https).
 *
 * Cancellation: http_client_cancel() calls done synchronously, before it
 * returns, with status 0 and error "cancelled"; afterwards the id is unknown.
 * http_client_free() does the same for every outstanding request.
 *
 * What goes on the wire: HTTP/1.1, keep-alive (connections are cached by the
 * multi handle and reused), the caller's headers plus Host, User-Agent,
 * Accept and Content-Length.  A body is sent byte-exact with an explicit
 * Content-Length whenever req->body is non-NULL (or the method is POST, PUT or
 * PATCH: then an empty body).  No Content-Type and no "Expect: 100-continue"
 * are added unless the caller supplies them.  Responses are not decoded
 * (no Accept-Encoding) unless opts.accept_encoding is set.  Redirects are
 * returned as they are unless opts.follow_redirects is set.
 */
#ifndef HUB_NET_HTTP_CLIENT_H
#define HUB_NET_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "hub/host.h"

#define HTTP_CLIENT_DEFAULT_TIMEOUT_MS 30000u
#define HTTP_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define HTTP_CLIENT_DEFAULT_MAX_TOTAL 64
#define HTTP_CLIENT_DEFAULT_MAX_PER_HOST 8
#define HTTP_CLIENT_DEFAULT_MAX_BODY ((size_t)16 * 1024 * 1024)
#define HTTP_CLIENT_DEFAULT_USER_AGENT "hub/1.0"

/* Zero / NULL fields take the defaults above. */
struct http_client_opts {
    uint32_t timeout_ms;         /* whole request, when the request says 0 */
    uint32_t connect_timeout_ms; /* TCP + TLS handshake */
    long max_total_connections;  /* more requests wait in a queue */
    long max_host_connections;
    size_t max_body_bytes;       /* response body cap */
    const char *user_agent;      /* copied */
    const char *ca_file;         /* copied; NULL: the system's CA store */
    int follow_redirects;        /* 0: deliver 3xx as is */
    long max_redirects;          /* when following; 0: 5 */
    int accept_encoding;         /* 1: ask for and decode gzip/deflate/br */
};

/* Counters since http_client_new().  requests = responses + failures +
 * cancelled + in_flight at every moment outside a done callback. */
struct http_client_stats {
    uint64_t requests;  /* accepted by http_client_request() */
    uint64_t responses; /* done called with an HTTP status (any code) */
    uint64_t failures;  /* done called with a transport error */
    uint64_t cancelled; /* done called with "cancelled" */
    uint64_t in_flight; /* accepted, done not called yet (queued or active) */
};

struct http_client;

/* opts may be NULL.  NULL on failure (logged). */
struct http_client *http_client_new(uv_loop_t *loop, const struct http_client_opts *opts);

/* Start a request.  Everything in req is copied before the call returns.
 * The method is sent as given (case-sensitive, any token).  req->timeout_ms 0
 * means the client's default.  Returns 0 and sets *request_id (> 0; may be
 * NULL).  Returns -1, and never calls done, on a bad request (no method or
 * URL, whitespace in the URL, a header name that is not a token, CR/LF in a
 * value, body NULL with body_len > 0), after http_client_free() began, or when
 * libcurl refuses.  Caller's Content-Length/Transfer-Encoding headers are
 * dropped (the client frames the body); an empty value is sent as empty. */
int http_client_request(struct http_client *c, const struct hub_http_request *req,
                        hub_http_done_fn done, void *arg, uint64_t *request_id);

/* Cancel a request: done is called once, before this returns, with status 0
 * and error "cancelled".  0, or -1 when the id is unknown (finished, already
 * cancelled, never issued). */
int http_client_cancel(struct http_client *c, uint64_t request_id);

void http_client_get_stats(const struct http_client *c, struct http_client_stats *out);

/* Cancel everything outstanding (each done once with "cancelled"), release
 * libcurl and close the loop handles.  The memory goes in the handles' close
 * callbacks: run the loop afterwards (it then becomes empty).  Safe to call
 * from a done callback; c must not be used afterwards.  NULL is a no-op. */
void http_client_free(struct http_client *c);

#endif
