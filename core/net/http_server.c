/* http_server.c - the listener: start, accept, stop, limits and metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "net/http_internal.h"

void http_limits_default(struct http_limits *l)
{
    memset(l, 0, sizeof *l);
    l->max_header_bytes = 16 * 1024;
    l->max_body_bytes = 1024 * 1024;
    l->header_timeout_ms = 10000;
    l->body_timeout_ms = 30000;
    l->idle_timeout_ms = 60000;
    l->write_timeout_ms = 30000;
    l->handler_timeout_ms = 60000;
    l->stop_grace_ms = 5000;
    l->max_connections = 1024;
    l->max_requests_per_conn = 1000;
    l->rate_per_sec = 0;
    l->rate_burst = 0;
    l->rate_max_clients = 10000;
    l->trust_forwarded_for = 0;
}

int http_server_port(const struct http_server *s) { return s->port; }
size_t http_server_connections(const struct http_server *s) { return s->n_conns; }

/* ------------------------------------------------------------ metrics */

void http_server_count_response(struct http_server *s, int status, uint64_t start_ns)
{
    if (status < 100 || status > 599) status = 500;
    if (!s->m_by_code[status]) {
        char code[8];
        snprintf(code, sizeof code, "%d", status);
        struct metric_label l[] = {{"code", code}};
        s->m_by_code[status] = metrics_counter(NULL, "hub_http_requests_total",
                                               "Inbound HTTP requests answered, by status.", l, 1);
    }
    metric_inc(s->m_by_code[status]);
    uint64_t now = mono_ns();
    metric_observe(s->m_duration, now > start_ns ? (double)(now - start_ns) / 1e6 : 0.0);
}

void http_server_count_refusal(struct http_server *s, const char *limit)
{
    (void)s;
    struct metric_label l[] = {{"limit", limit}};
    metric_inc(metrics_counter(NULL, "hub_http_refused_total",
                               "Inbound requests or connections refused by a limit.", l, 1));
}

/* ------------------------------------------------------------ stopping */

static void free_server(uv_handle_t *h)
{
    struct http_server *s = h->data;
    void (*cb)(void *) = s->on_closed;
    void *arg = s->closed_arg;
    http_ratelimit_free(s->rl);
    free(s);
    if (cb) cb(arg);
}

static void maybe_finish(struct http_server *s)
{
    if (!s->stopping || !s->listener_closed || s->n_live || s->finishing) return;
    s->finishing = 1;
    uv_timer_stop(&s->grace_timer);
    uv_close((uv_handle_t *)&s->grace_timer, free_server);
}

void http_server_conn_freed(struct http_server *s, struct http_conn *c)
{
    if (c->prev) c->prev->next = c->next;
    else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->n_live--;
    if (c->accepted) {
        s->n_conns--;
        metric_dec(s->m_conns);
    }
    if (c->refusing) s->n_refusing--;
    maybe_finish(s);
}

static void on_listener_closed(uv_handle_t *h)
{
    struct http_server *s = h->data;
    s->listener_closed = 1;
    maybe_finish(s);
}

static void close_all(struct http_server *s)
{
    for (struct http_conn *c = s->conns; c; c = c->next) http_conn_close(c);
}

static void on_grace(uv_timer_t *t)
{
    struct http_server *s = t->data;
    log_info("http", "stop: closing %zu connection(s) still busy after %u ms", s->n_conns,
             s->lim.stop_grace_ms);
    close_all(s);
}

void http_server_stop(struct http_server *s, void (*on_closed)(void *arg), void *arg)
{
    if (!s || s->stopping) return;
    s->stopping = 1;
    s->on_closed = on_closed;
    s->closed_arg = arg;
    uv_close((uv_handle_t *)&s->listener, on_listener_closed);
    if (!s->lim.stop_grace_ms) {
        close_all(s);
    } else {
        for (struct http_conn *c = s->conns; c; c = c->next) {
            if (c->closing) continue;
            switch (c->state) {
            case HTTP_CS_HANDLER: /* answered with Connection: close, or closed at grace */
            case HTTP_CS_LINGER:
                break;
            case HTTP_CS_IDLE:
                if (c->writes_pending) http_conn_finish(c); /* flush what it is owed */
                else http_conn_close(c);
                break;
            case HTTP_CS_HEADERS:
            case HTTP_CS_BODY:
                http_conn_close(c); /* half-read requests are dropped */
                break;
            }
        }
        uv_timer_start(&s->grace_timer, on_grace, s->lim.stop_grace_ms, 0);
    }
    maybe_finish(s);
}

/* ------------------------------------------------------------ starting */

static void on_connection(uv_stream_t *listener, int status)
{
    struct http_server *s = listener->data;
    if (status < 0) {
        log_warn("http", "accept: %s", uv_strerror(status));
        return;
    }
    http_conn_accept(s);
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, char *err, size_t n)
{
    char host[256];
    const char *port_s;
    if (!listen || !*listen) {
        snprintf(err, n, "empty listen address");
        return -1;
    }
    if (listen[0] == '[') {
        const char *end = strchr(listen, ']');
        if (!end || end[1] != ':' || (size_t)(end - listen - 1) >= sizeof host) {
            snprintf(err, n, "listen \"%s\": expected [ipv6]:port", listen);
            return -1;
        }
        memcpy(host, listen + 1, (size_t)(end - listen - 1));
        host[end - listen - 1] = '\0';
        port_s = end + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host) {
            snprintf(err, n, "listen \"%s\": expected host:port", listen);
            return -1;
        }
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        port_s = colon + 1;
    }
    int64_t port;
    if (parse_i64(port_s, &port) != 0 || port < 0 || port > 65535) {
        snprintf(err, n, "listen \"%s\": bad port", listen);
        return -1;
    }
    if (!*host || strcmp(host, "*") == 0) str_copy(host, "0.0.0.0", sizeof host);
    if (strcmp(host, "localhost") == 0) str_copy(host, "127.0.0.1", sizeof host);
    memset(ss, 0, sizeof *ss);
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) != 0 &&
        uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) != 0) {
        snprintf(err, n, "listen \"%s\": \"%s\" is not an IP address", listen, host);
        return -1;
    }
    return 0;
}

static void free_failed(uv_handle_t *h) { free(h->data); }

int http_server_start(uv_loop_t *loop, const char *listen, const struct http_limits *limits,
                      http_dispatch_fn dispatch, void *arg, struct http_server **out, char *err,
                      size_t n)
{
    struct sockaddr_storage ss;
    *out = NULL;
    if (!dispatch) {
        snprintf(err, n, "no dispatch function");
        return -1;
    }
    if (parse_listen(listen, &ss, err, n) != 0) return -1;
    struct http_server *s = xcalloc(1, sizeof *s);
    s->loop = loop;
    s->dispatch = dispatch;
    s->arg = arg;
    struct http_limits def;
    http_limits_default(&def);
    s->lim = limits ? *limits : def;
    if (!s->lim.max_header_bytes) s->lim.max_header_bytes = def.max_header_bytes;
    if (!s->lim.max_body_bytes) s->lim.max_body_bytes = def.max_body_bytes;
    if (!s->lim.rate_max_clients) s->lim.rate_max_clients = def.rate_max_clients;
    if (s->lim.rate_per_sec > 0) {
        double burst = s->lim.rate_burst >= 1 ? s->lim.rate_burst
                       : s->lim.rate_per_sec > 1 ? s->lim.rate_per_sec : 1;
        s->rl = http_ratelimit_new(s->lim.rate_per_sec, burst, s->lim.rate_max_clients);
    }
    uv_tcp_init(loop, &s->listener);
    s->listener.data = s;
    int rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&ss, 0);
    if (rc == 0) rc = uv_listen((uv_stream_t *)&s->listener, 511, on_connection);
    if (rc != 0) {
        snprintf(err, n, "listen on %s: %s", listen, uv_strerror(rc));
        http_ratelimit_free(s->rl);
        uv_close((uv_handle_t *)&s->listener, free_failed);
        return -1;
    }
    struct sockaddr_storage bound;
    int bl = sizeof bound;
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &bl);
    s->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                          : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    uv_timer_init(loop, &s->grace_timer);
    s->grace_timer.data = s;
    s->m_conns = metrics_gauge(NULL, "hub_http_connections", "Open inbound HTTP connections.",
                               NULL, 0);
    s->m_duration = metrics_histogram(
        NULL, "hub_http_request_duration_ms",
        "Inbound HTTP requests: first byte to answer queued, in milliseconds.", NULL, 0, NULL, 0);
    log_debug("http", "listening on %s (port %d)", listen, s->port);
    *out = s;
    return 0;
}
