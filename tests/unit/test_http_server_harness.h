/*
 * test_http_server_harness.h - shared by tests/unit/test_http_server*.c.
 *
 * The server runs on a libuv loop in the test's own thread; the client is a
 * second thread using plain blocking POSIX sockets (5 s receive timeout).
 * The client thread only records what it saw; the test asserts after
 * hx_run() returns (cmocka assertions are not thread-safe).
 *
 * Routes served (through http_router_dispatch):
 *   *    /echo          200, body = request body; X-Method, X-Path, X-Raw-Path,
 *                       X-Query, X-Peer-Port, X-Id headers; records the request
 *   *    /echo/<*>      the same, X-Rest = route rest
 *   GET  /async?ms=N    200 "async <N>" after N ms (uv timer)
 *   GET  /get-only      200 "ok"
 *   GET  /metrics       metrics_render()
 */
#ifndef TEST_HTTP_SERVER_HARNESS_H
#define TEST_HTTP_SERVER_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "net/http_router.h"
#include "net/http_server.h"
#include "net/metrics.h"

#define HX_MAX_RESP 16

struct hx_resp {
    int status;      /* 0: nothing / timeout */
    int no_body;     /* set before reading the answer to a HEAD request */
    char head[8192]; /* status line + headers */
    struct buf body;
};

struct hx;
typedef void (*hx_client_fn)(struct hx *h);

struct hx {
    uv_loop_t loop;
    struct http_server *srv;
    struct http_router *router;
    struct http_limits lim;
    uv_async_t wake;
    uv_timer_t watchdog;
    pthread_t thread;
    hx_client_fn client;
    const char *listen; /* default "127.0.0.1:0" */
    int port;
    int start_rc;
    int stop_called;
    int server_closed;
    int watchdog_fired;
    _Atomic int stop_requested;
    _Atomic int client_done;
    _Atomic int n_dispatched;
    _Atomic int n_answered;       /* async answers sent (or dropped) */
    _Atomic int n_orphan_answers; /* async answers while the client was gone */
    /* the last /echo request, recorded on the loop thread */
    struct buf last_body;
    char last_method[16];
    char last_path[256];
    char last_raw_path[256];
    char last_query[256];
    char last_peer[64];
    char last_test_header[256];
    size_t last_header_count;
    size_t last_dup_count;
    /* what the client saw */
    struct hx_resp resp[HX_MAX_RESP];
    int n_resp;
    int eof[HX_MAX_RESP];   /* per check: 1 closed by server, 0 still open, -1 error */
    int n_eof;
    int flags[HX_MAX_RESP]; /* free use by tests */
};

/* ------------------------------------------------------------ client side */

static inline int hx_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline int hx_send_n(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static inline int hx_send(int fd, const char *s) { return hx_send_n(fd, s, strlen(s)); }

static inline void hx_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Header value from a recorded head (first match, case-insensitive), copied to out. */
static inline const char *hx_header(const struct hx_resp *r, const char *name, char *out,
                                    size_t n)
{
    size_t nl = strlen(name);
    const char *p = strstr(r->head, "\r\n");
    while (p && p[2] && !(p[2] == '\r' && p[3] == '\n')) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ') v++;
            size_t vl = strcspn(v, "\r");
            if (vl >= n) vl = n - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return out;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

/* Read one response (Content-Length framed) from fd; rx holds bytes read
 * ahead.  Fills r; returns its status or 0 on EOF/timeout/garbage. */
static inline int hx_read_response(int fd, struct buf *rx, struct hx_resp *r)
{
    memset(r->head, 0, sizeof r->head);
    buf_reset(&r->body);
    r->status = 0;
    char tmp[16384];
    char *end;
    while (!rx->data || !(end = strstr(rx->data, "\r\n\r\n"))) {
        ssize_t got = recv(fd, tmp, sizeof tmp, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return 0;
        buf_append(rx, tmp, (size_t)got);
    }
    size_t hl = (size_t)(end - rx->data) + 4;
    if (hl >= sizeof r->head) return 0;
    memcpy(r->head, rx->data, hl);
    int status = 0;
    if (sscanf(r->head, "HTTP/1.%*d %d", &status) != 1) return 0;
    char cl[32];
    size_t len = 0;
    int head_only = status == 204 || status == 304 || status / 100 == 1;
    if (!head_only && hx_header(r, "Content-Length", cl, sizeof cl)) len = strtoul(cl, NULL, 10);
    if (r->no_body) len = 0;
    while (rx->len < hl + len) {
        ssize_t got = recv(fd, tmp, sizeof tmp, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return 0;
        buf_append(rx, tmp, (size_t)got);
    }
    buf_append(&r->body, rx->data + hl, len);
    memmove(rx->data, rx->data + hl + len, rx->len - hl - len);
    rx->len -= hl + len;
    rx->data[rx->len] = '\0';
    r->status = status;
    return status;
}

/* 1 if the server closed the connection (EOF or reset) with nothing more
 * to read, 0 if data arrived, -1 on timeout. */
static inline int hx_wait_eof(int fd, struct buf *rx)
{
    if (rx->len) return 0;
    char tmp[4096];
    for (;;) {
        ssize_t got = recv(fd, tmp, sizeof tmp, 0);
        if (got == 0) return 1;
        if (got > 0) return 0;
        if (errno == EINTR) continue;
        if (errno == ECONNRESET) return 1;
        return -1;
    }
}

static inline struct hx_resp *hx_next(struct hx *h)
{
    return h->n_resp < HX_MAX_RESP ? &h->resp[h->n_resp++] : &h->resp[HX_MAX_RESP - 1];
}

/* Connect, send `req`, read one response into the next slot; returns the fd
 * (caller closes) or -1. */
static inline int hx_roundtrip(struct hx *h, const char *req, struct buf *rx)
{
    int fd = hx_connect(h->port);
    if (fd < 0) return -1;
    hx_send(fd, req);
    hx_read_response(fd, rx, hx_next(h));
    return fd;
}

static inline void hx_record_eof(struct hx *h, int fd, struct buf *rx)
{
    if (h->n_eof < HX_MAX_RESP) h->eof[h->n_eof++] = hx_wait_eof(fd, rx);
}

/* Wait (up to 5 s) until the loop thread has sent `n` async answers. */
static inline void hx_wait_answers(struct hx *h, int n)
{
    for (int i = 0; i < 500 && atomic_load(&h->n_answered) < n; i++) hx_sleep_ms(10);
}

/* Ask the loop thread to stop the server now (the client may go on). */
static inline void hx_request_stop(struct hx *h)
{
    atomic_store(&h->stop_requested, 1);
    uv_async_send(&h->wake);
}

/* ------------------------------------------------------------ handlers */

static inline void hx_copy(char *dst, size_t n, const char *src) { snprintf(dst, n, "%s", src); }

static inline void hx_echo(void *arg, struct http_request *req)
{
    struct hx *h = arg;
    atomic_fetch_add(&h->n_dispatched, 1);
    size_t len;
    const char *body = http_request_body(req, &len);
    buf_reset(&h->last_body);
    buf_append(&h->last_body, body, len);
    hx_copy(h->last_method, sizeof h->last_method, http_request_method(req));
    hx_copy(h->last_path, sizeof h->last_path, http_request_path(req));
    hx_copy(h->last_raw_path, sizeof h->last_raw_path, http_request_raw_path(req));
    hx_copy(h->last_query, sizeof h->last_query, http_request_query(req));
    hx_copy(h->last_peer, sizeof h->last_peer, http_request_peer(req));
    const char *t = http_request_header(req, "X-Test");
    hx_copy(h->last_test_header, sizeof h->last_test_header, t ? t : "(none)");
    h->last_header_count = http_request_header_count(req);
    h->last_dup_count = 0;
    for (size_t i = 0; i < http_request_header_count(req); i++) {
        const char *name, *value;
        http_request_header_at(req, i, &name, &value);
        if (strcasecmp(name, "x-dup") == 0) h->last_dup_count++;
    }
    char port[16], id[24];
    snprintf(port, sizeof port, "%d", http_request_peer_port(req));
    snprintf(id, sizeof id, "%llu", (unsigned long long)http_request_id(req));
    struct hub_header hd[] = {
        {"X-Method", http_request_method(req)}, {"X-Raw-Path", http_request_raw_path(req)},
        {"X-Query", http_request_query(req)},   {"X-Peer-Port", port},
        {"X-Id", id},                           {"X-Rest", http_request_route_rest(req)},
        {"X-Bearer", http_request_bearer(req) ? http_request_bearer(req) : "(none)"},
        {"Content-Type", "application/octet-stream"},
    };
    http_respond(req, 200, hd, sizeof hd / sizeof hd[0], body, len);
}

struct hx_later {
    uv_timer_t t;
    struct http_request *req;
    struct hx *h;
    long ms;
};

static inline void hx_later_closed(uv_handle_t *t) { free(t->data); }

static inline void hx_later_fire(uv_timer_t *t)
{
    struct hx_later *l = t->data;
    if (!http_request_connected(l->req)) atomic_fetch_add(&l->h->n_orphan_answers, 1);
    char body[64];
    int n = snprintf(body, sizeof body, "async %ld", l->ms);
    http_respond(l->req, 200, NULL, 0, body, (size_t)n);
    atomic_fetch_add(&l->h->n_answered, 1);
    uv_close((uv_handle_t *)&l->t, hx_later_closed);
}

static inline void hx_async(void *arg, struct http_request *req)
{
    struct hx *h = arg;
    atomic_fetch_add(&h->n_dispatched, 1);
    char *ms = http_request_query_param(req, "ms");
    struct hx_later *l = calloc(1, sizeof *l);
    l->req = req;
    l->h = h;
    l->ms = ms ? atol(ms) : 0;
    free(ms);
    uv_timer_init(&h->loop, &l->t);
    l->t.data = l;
    uv_timer_start(&l->t, hx_later_fire, (uint64_t)l->ms, 0);
}

static inline void hx_ok(void *arg, struct http_request *req)
{
    (void)arg;
    http_respond(req, 200, NULL, 0, "ok", 2);
}

static inline void hx_metrics(void *arg, struct http_request *req)
{
    (void)arg;
    struct buf out = BUF_INIT;
    metrics_render(&out);
    struct hub_header h[] = {{"Content-Type", METRICS_CONTENT_TYPE}};
    http_respond(req, 200, h, 1, out.data, out.len);
    buf_free(&out);
}

/* ------------------------------------------------------------ the run */

static inline void hx_server_closed(void *arg)
{
    struct hx *h = arg;
    h->server_closed = 1;
    uv_close((uv_handle_t *)&h->watchdog, NULL);
}

static inline void hx_stop_server(struct hx *h)
{
    if (h->stop_called) return;
    h->stop_called = 1;
    http_server_stop(h->srv, hx_server_closed, h);
}

static inline void hx_on_wake(uv_async_t *a)
{
    struct hx *h = a->data;
    if (atomic_load(&h->stop_requested) || atomic_load(&h->client_done)) hx_stop_server(h);
    if (atomic_load(&h->client_done)) uv_close((uv_handle_t *)&h->wake, NULL);
}

static inline void hx_on_watchdog(uv_timer_t *t)
{
    struct hx *h = t->data;
    h->watchdog_fired = 1;
    hx_stop_server(h);
}

static inline void *hx_thread(void *arg)
{
    struct hx *h = arg;
    h->client(h);
    atomic_store(&h->client_done, 1);
    uv_async_send(&h->wake);
    return NULL;
}

/* Set h->lim (http_limits_default + changes) before; fills h->resp etc. */
static inline void hx_init(struct hx *h)
{
    memset(h, 0, sizeof *h);
    http_limits_default(&h->lim);
}

static inline int hx_run(struct hx *h, hx_client_fn client)
{
    char err[256];
    uv_loop_init(&h->loop);
    h->router = http_router_new();
    http_router_add(h->router, "*", "/echo", hx_echo, h);
    http_router_add(h->router, "*", "/echo/*", hx_echo, h);
    http_router_add(h->router, "GET", "/async", hx_async, h);
    http_router_add(h->router, "GET", "/get-only", hx_ok, h);
    http_router_add(h->router, "GET", "/metrics", hx_metrics, h);
    h->start_rc = http_server_start(&h->loop, h->listen ? h->listen : "127.0.0.1:0", &h->lim, http_router_dispatch,
                                    h->router, &h->srv, err, sizeof err);
    if (h->start_rc != 0) {
        fprintf(stderr, "start: %s\n", err);
        http_router_free(h->router);
        uv_run(&h->loop, UV_RUN_DEFAULT);
        uv_loop_close(&h->loop);
        return -1;
    }
    h->port = http_server_port(h->srv);
    h->client = client;
    uv_async_init(&h->loop, &h->wake, hx_on_wake);
    h->wake.data = h;
    uv_timer_init(&h->loop, &h->watchdog);
    h->watchdog.data = h;
    uv_timer_start(&h->watchdog, hx_on_watchdog, 30000, 0);
    pthread_create(&h->thread, NULL, hx_thread, h);
    uv_run(&h->loop, UV_RUN_DEFAULT);
    pthread_join(h->thread, NULL);
    int rc = uv_loop_close(&h->loop);
    http_router_free(h->router);
    return rc;
}

static inline void hx_free(struct hx *h)
{
    for (int i = 0; i < HX_MAX_RESP; i++) buf_free(&h->resp[i].body);
    buf_free(&h->last_body);
}

#endif
