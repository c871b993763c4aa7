/*
 * http_conn.c - one inbound connection: reading, llhttp parsing, one request
 * at a time with the handler, answers in order, timeouts, refusals, closing.
 *
 * States (struct http_conn.state) and the one timer's meaning in each:
 *   IDLE     waiting for a request: header_timeout on a fresh connection,
 *            idle_timeout between keep-alive requests, write_timeout while
 *            answers are still queued -> silent close
 *   HEADERS  first byte seen: header_timeout, absolute -> 408
 *   BODY     headers done: body_timeout, absolute -> 408
 *   HANDLER  request with the handler: handler_timeout -> 504 (request orphaned)
 *   LINGER   last answer queued: write_timeout until shutdown, then
 *            HTTP_LINGER_MS of discarding input -> close
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/json_text.h"
#include "common/log.h"
#include "common/util.h"
#include "net/http_internal.h"

struct write_req {
    uv_write_t w;
    struct http_conn *c;
    char *data;
};

static void conn_process(struct http_conn *c);
static void conn_refuse(struct http_conn *c, int status, const char *limit, const char *msg,
                        uint64_t retry_after_s);

/* ------------------------------------------------------------ small helpers */

static void conn_arm(struct http_conn *c, uint64_t ms, uv_timer_cb cb)
{
    if (c->closing) return;
    if (ms) uv_timer_start(&c->timer, cb, ms, 0);
    else uv_timer_stop(&c->timer);
}

static void on_timer(uv_timer_t *t);

static void conn_arm_idle(struct http_conn *c)
{
    const struct http_limits *l = &c->srv->lim;
    conn_arm(c, c->writes_pending ? l->write_timeout_ms : l->idle_timeout_ms, on_timer);
}

static void set_refusal(struct http_conn *c, int status, const char *limit, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_refusal(struct http_conn *c, int status, const char *limit, const char *fmt, ...)
{
    if (c->refusal_status) return;
    c->refusal_status = status;
    c->refusal_limit = limit;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->refusal_msg, sizeof c->refusal_msg, fmt, ap);
    va_end(ap);
}

static void on_close(uv_handle_t *h)
{
    struct http_conn *c = h->data;
    if (--c->handles_open > 0) return;
    buf_free(&c->pending);
    buf_free(&c->corked);
    buf_free(&c->field);
    buf_free(&c->value);
    http_server_conn_freed(c->srv, c);
    free(c);
}

void http_conn_close(struct http_conn *c)
{
    if (c->closing) return;
    c->closing = 1;
    struct http_request *r = c->req;
    c->req = NULL;
    if (r) {
        if (r->dispatched && !r->responded) r->conn = NULL; /* orphan: the handler still has it */
        else http_request_free(r);
    }
    uv_close((uv_handle_t *)&c->tcp, on_close);
    uv_close((uv_handle_t *)&c->timer, on_close);
}

/* ------------------------------------------------------------ reading */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    struct http_conn *c = h->data;
    (void)suggested;
    /* One buffer per server: libuv reads into it and on_read consumes it at
     * once (copying into the connection's pending bytes). */
    *b = uv_buf_init(c->srv->readbuf, sizeof c->srv->readbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b);

static void conn_update_reading(struct http_conn *c)
{
    if (c->closing) return;
    int want;
    if (c->state == HTTP_CS_LINGER) want = !c->eof;
    else
        want = !c->eof && !c->write_blocked &&
               c->pending.len - c->pending_off < (size_t)HTTP_READ_AHEAD;
    if (want && !c->reading) {
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0) c->reading = 1;
        else http_conn_close(c);
    } else if (!want && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

/* ------------------------------------------------------------ writing */

static void on_write(uv_write_t *w, int status)
{
    struct write_req *wr = (struct write_req *)w;
    struct http_conn *c = wr->c;
    free(wr->data);
    free(wr);
    c->writes_pending--;
    if (c->closing) return;
    if (status < 0) { /* the client went away */
        http_conn_close(c);
        return;
    }
    if (c->state == HTTP_CS_IDLE && !c->writes_pending) conn_arm_idle(c);
    if (c->write_blocked &&
        uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) < HTTP_WRITE_BACKLOG) {
        c->write_blocked = 0;
        conn_process(c);
    }
}

static void conn_send(struct http_conn *c, struct buf *out)
{
    struct write_req *wr = xcalloc(1, sizeof *wr);
    wr->c = c;
    size_t len = out->len;
    wr->data = buf_steal(out);
    uv_buf_t b = uv_buf_init(wr->data, (unsigned)len);
    if (uv_write(&wr->w, (uv_stream_t *)&c->tcp, &b, 1, on_write) != 0) {
        free(wr->data);
        free(wr);
        http_conn_close(c);
        return;
    }
    c->writes_pending++;
}

/* Send what was corked while parsing a batch of pipelined requests. */
static void conn_flush(struct http_conn *c)
{
    if (c->corked.len && !c->closing) conn_send(c, &c->corked);
    buf_free(&c->corked);
}

/* Queue `out` (taken).  While a read is being processed, answers are
 * corked and go out in one write at the end (pipelined requests answered
 * synchronously cost one syscall, not one each). */
static void conn_write(struct http_conn *c, struct buf *out)
{
    if (c->closing || !out->data) {
        buf_free(out);
        return;
    }
    if (c->in_process) {
        if (!c->corked.data) {
            c->corked = *out; /* take it as is */
            *out = (struct buf)BUF_INIT;
        } else {
            buf_append(&c->corked, out->data, out->len);
            buf_free(out);
        }
        if (c->corked.len >= HTTP_CORK_MAX) conn_flush(c);
        return;
    }
    conn_send(c, out);
}

/* ------------------------------------------------------------ closing gracefully */

static void on_linger_timer(uv_timer_t *t) { http_conn_close(t->data); }

static void on_shutdown(uv_shutdown_t *sr, int status)
{
    struct http_conn *c = sr->data;
    free(sr);
    if (c->closing) return;
    if (status < 0 || c->eof) {
        http_conn_close(c);
        return;
    }
    /* Keep reading (and discarding) for a while: closing with unread input
     * would reset the connection and could destroy the answer in flight. */
    conn_arm(c, HTTP_LINGER_MS, on_linger_timer);
    conn_update_reading(c);
}

void http_conn_finish(struct http_conn *c)
{
    if (c->closing || c->state == HTTP_CS_LINGER) return;
    struct http_request *r = c->req;
    c->req = NULL;
    if (r) {
        if (r->dispatched && !r->responded) r->conn = NULL;
        else http_request_free(r);
    }
    conn_flush(c); /* before the shutdown, which follows queued writes */
    c->state = HTTP_CS_LINGER;
    c->write_blocked = 0;
    conn_arm(c, c->srv->lim.write_timeout_ms ? c->srv->lim.write_timeout_ms : 30000,
             on_linger_timer);
    uv_shutdown_t *sr = xcalloc(1, sizeof *sr);
    sr->data = c;
    if (uv_shutdown(sr, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        free(sr);
        http_conn_close(c);
        return;
    }
    conn_update_reading(c);
}

/* ------------------------------------------------------------ answers */

static void conn_refuse(struct http_conn *c, int status, const char *limit, const char *msg,
                        uint64_t retry_after_s)
{
    if (c->closing || c->state == HTTP_CS_LINGER) return;
    uint64_t start = c->req ? c->req->start_ns : mono_ns();
    log_debug("http", "%s:%d refused with %d: %s", c->peer, c->peer_port, status, msg);
    json_t *j = json_pack("{s:s}", "error", msg);
    char *text = j ? json_text(j, 0) : NULL;
    json_decref(j);
    char ra[32];
    snprintf(ra, sizeof ra, "%llu", (unsigned long long)retry_after_s);
    struct hub_header h[] = {{"Content-Type", "application/json"}, {"Retry-After", ra}};
    struct buf out = BUF_INIT;
    http_build_response(&out, status, h, status == 429 ? 2 : 1, text ? text : "{}",
                        text ? strlen(text) : 2, 0, 1, 0);
    free(text);
    http_server_count_response(c->srv, status, start);
    http_server_count_refusal(c->srv, limit);
    conn_write(c, &out);
    http_conn_finish(c);
}

void http_conn_respond(struct http_conn *c, struct http_request *req, int status,
                       const struct hub_header *headers, size_t n, const void *body, size_t len)
{
    const struct http_limits *l = &c->srv->lim;
    /* after the client's EOF, requests it sent before are still answered */
    int more = c->pending.len > c->pending_off;
    int close = !req->keep_alive || (c->eof && !more) || c->srv->stopping ||
                http_headers_say_close(headers, n) ||
                (l->max_requests_per_conn && c->n_requests >= l->max_requests_per_conn);
    int ka10 = !close && req->http_major == 1 && req->http_minor == 0;
    struct buf out = BUF_INIT;
    http_build_response(&out, status, headers, n, body, len, req->head, close, ka10);
    http_server_count_response(c->srv, status, req->start_ns);
    c->req = NULL;
    req->conn = NULL;
    http_request_free(req);
    conn_write(c, &out);
    if (close) {
        http_conn_finish(c);
        return;
    }
    c->state = HTTP_CS_IDLE;
    llhttp_resume(&c->parser);
    conn_arm_idle(c);
    if (!c->in_process) conn_process(c);
}

/* ------------------------------------------------------------ parser callbacks */

static int count_header_bytes(struct http_conn *c, size_t n)
{
    c->header_bytes += n;
    size_t max = c->srv->lim.max_header_bytes;
    if (c->header_bytes > max) {
        set_refusal(c, 431, "max_header", "header block exceeds %zu bytes (limit max_header)", max);
        return -1;
    }
    return 0;
}

static int on_message_begin(llhttp_t *p)
{
    struct http_conn *c = p->data;
    c->state = HTTP_CS_HEADERS;
    c->header_bytes = 4; /* the request line's CRLF and the blank line */
    c->body_expected = 0;
    buf_reset(&c->field);
    buf_reset(&c->value);
    c->req = http_request_new(c);
    conn_arm(c, c->srv->lim.header_timeout_ms, on_timer);
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    struct http_conn *c = p->data;
    if (count_header_bytes(c, len)) return -1;
    return buf_append(&c->req->target, at, len);
}

static int on_counted(llhttp_t *p, const char *at, size_t len)
{
    (void)at;
    return count_header_bytes(p->data, len + 1) ? -1 : 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    struct http_conn *c = p->data;
    if (count_header_bytes(c, len)) return -1;
    return buf_append(&c->field, at, len);
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    struct http_conn *c = p->data;
    if (count_header_bytes(c, len)) return -1;
    return buf_append(&c->value, at, len);
}

static int is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int on_header_value_complete(llhttp_t *p)
{
    struct http_conn *c = p->data;
    if (count_header_bytes(c, 4)) return -1; /* ": " and CRLF */
    /* llhttp lets some non-token bytes through in names; refuse them */
    if (!c->field.len) {
        set_refusal(c, 400, "malformed", "malformed request: empty header name");
        return -1;
    }
    for (size_t i = 0; i < c->field.len; i++) {
        if (!is_tchar((unsigned char)c->field.data[i])) {
            set_refusal(c, 400, "malformed", "malformed request: invalid header name");
            return -1;
        }
    }
    int rc = http_request_add_header(c->req, c->field.data ? c->field.data : "", c->field.len,
                                     c->value.data ? c->value.data : "", c->value.len);
    buf_reset(&c->field);
    buf_reset(&c->value);
    return rc;
}

static void pick_client_ip(struct http_conn *c, struct http_request *r)
{
    if (!c->srv->lim.trust_forwarded_for) return;
    /* the last X-Forwarded-For header's last entry: what our proxy saw */
    const char *xff = NULL;
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, "x-forwarded-for") == 0) xff = r->headers[i].value;
    if (!xff) return;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ' || *last == '\t') last++;
    size_t n = strcspn(last, " \t");
    if (n == 0 || n >= sizeof r->client_ip) return;
    memcpy(r->client_ip, last, n);
    r->client_ip[n] = '\0';
}

static int on_headers_complete(llhttp_t *p)
{
    struct http_conn *c = p->data;
    struct http_request *r = c->req;
    const struct http_limits *l = &c->srv->lim;
    c->state = HTTP_CS_BODY;
    r->method = llhttp_method_name((llhttp_method_t)p->method);
    r->http_major = p->http_major;
    r->http_minor = p->http_minor;
    r->head = p->method == HTTP_HEAD;

    const char *why = NULL;
    if (http_request_parse_target(r, &why) != 0) {
        set_refusal(c, 400, "malformed", "%s", why);
        return -1;
    }
    pick_client_ip(c, r);
    if (c->srv->rl) {
        uint64_t wait_ms = 0;
        if (!http_ratelimit_take(c->srv->rl, r->client_ip, mono_ms(), &wait_ms)) {
            uint64_t s = (wait_ms + 999) / 1000;
            c->retry_after_s = s ? s : 1;
            set_refusal(c, 429, "rate",
                        "more than %g requests per second from %s (limit rate_per_sec)",
                        l->rate_per_sec, r->client_ip);
            return -1;
        }
    }
    int chunked = (p->flags & F_CHUNKED) != 0;
    if (p->flags & F_CONTENT_LENGTH) {
        if (p->content_length > l->max_body_bytes) {
            set_refusal(c, 413, "max_body", "body exceeds %zu bytes (limit max_body)",
                        l->max_body_bytes);
            return -1;
        }
        c->body_expected = (size_t)p->content_length;
        /* reserve up front, but not so much that idle promises pin memory */
        if (c->body_expected)
            buf_reserve(&r->body, c->body_expected < 256 * 1024 ? c->body_expected : 256 * 1024);
    }
    if (c->body_expected || chunked) {
        const char *expect = http_request_header(r, "expect");
        if (expect && strcasecmp(expect, "100-continue") == 0 && r->http_minor >= 1) {
            struct buf cont = BUF_INIT;
            buf_puts(&cont, "HTTP/1.1 100 Continue\r\n\r\n");
            conn_write(c, &cont);
        }
        conn_arm(c, l->body_timeout_ms, on_timer);
    }
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    struct http_conn *c = p->data;
    size_t max = c->srv->lim.max_body_bytes;
    if (c->req->body.len + len > max) {
        set_refusal(c, 413, "max_body", "body exceeds %zu bytes (limit max_body)", max);
        return -1;
    }
    return buf_append(&c->req->body, at, len);
}

static int on_message_complete(llhttp_t *p)
{
    struct http_conn *c = p->data;
    c->req->keep_alive = llhttp_should_keep_alive(p) && !p->upgrade;
    return HPE_PAUSED; /* one request at a time: resume after its answer */
}

static const llhttp_settings_t parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_method = on_counted,
    .on_version = on_counted,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ------------------------------------------------------------ processing */

static void conn_dispatch(struct http_conn *c)
{
    struct http_request *r = c->req;
    c->state = HTTP_CS_HANDLER;
    c->n_requests++;
    r->dispatched = 1;
    conn_arm(c, c->srv->lim.handler_timeout_ms, on_timer);
    c->srv->dispatch(r, c->srv->arg);
}

static void conn_check_eof(struct http_conn *c)
{
    if (c->closing || c->state == HTTP_CS_LINGER || c->state == HTTP_CS_HANDLER) return;
    if (c->pending.len > c->pending_off && c->write_blocked) return; /* more to answer */
    /* Idle: nothing more will come.  Mid-request: it can never complete. */
    http_conn_finish(c);
}

static void conn_process(struct http_conn *c)
{
    if (c->in_process) return;
    c->in_process = 1;
    while (!c->closing && c->pending.len > c->pending_off &&
           (c->state == HTTP_CS_IDLE || c->state == HTTP_CS_HEADERS ||
            c->state == HTTP_CS_BODY)) {
        if (c->state == HTTP_CS_IDLE &&
            uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) + c->corked.len >=
                HTTP_WRITE_BACKLOG) {
            c->write_blocked = 1; /* the client is not reading its answers */
            conn_arm(c, c->srv->lim.write_timeout_ms, on_timer);
            break;
        }
        const char *d = c->pending.data + c->pending_off;
        size_t n = c->pending.len - c->pending_off;
        llhttp_errno_t e = llhttp_execute(&c->parser, d, n);
        if (e == HPE_OK) {
            c->pending_off = c->pending.len;
        } else if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
            const char *pos = llhttp_get_error_pos(&c->parser);
            c->pending_off += pos && pos >= d && pos <= d + n ? (size_t)(pos - d) : n;
            if (e == HPE_PAUSED_UPGRADE) c->req->keep_alive = 0;
            conn_dispatch(c);
        } else {
            if (c->refusal_status) {
                conn_refuse(c, c->refusal_status, c->refusal_limit, c->refusal_msg,
                            c->retry_after_s);
            } else {
                char msg[200];
                snprintf(msg, sizeof msg, "malformed request: %s (%s)",
                         llhttp_get_error_reason(&c->parser), llhttp_errno_name(e));
                conn_refuse(c, 400, "malformed", msg, 0);
            }
            break;
        }
    }
    if (c->pending_off >= c->pending.len) {
        buf_reset(&c->pending);
        c->pending_off = 0;
    } else if (c->pending_off > 0 && c->state != HTTP_CS_LINGER) {
        memmove(c->pending.data, c->pending.data + c->pending_off,
                c->pending.len - c->pending_off);
        c->pending.len -= c->pending_off;
        c->pending.data[c->pending.len] = '\0';
        c->pending_off = 0;
    }
    c->in_process = 0;
    conn_flush(c);
    if (c->state == HTTP_CS_IDLE && !c->write_blocked && c->pending.len == c->pending_off)
        conn_arm_idle(c); /* the write timeout while answers are queued */
    if (c->eof) conn_check_eof(c);
    conn_update_reading(c);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
    struct http_conn *c = st->data;
    if (nread == 0 || c->closing) return;
    if (nread < 0) {
        uv_read_stop(st);
        c->reading = 0;
        if (nread != UV_EOF) {
            http_conn_close(c);
            return;
        }
        c->eof = 1;
        if (c->state == HTTP_CS_LINGER) {
            http_conn_close(c);
            return;
        }
        if (c->state == HTTP_CS_HANDLER) return; /* answer, then close */
        conn_process(c);
        return;
    }
    if (c->state == HTTP_CS_LINGER) return; /* discarded */
    if (buf_append(&c->pending, b->base, (size_t)nread) != 0) {
        http_conn_close(c);
        return;
    }
    conn_process(c);
}

/* ------------------------------------------------------------ timer */

static void on_timer(uv_timer_t *t)
{
    struct http_conn *c = t->data;
    const struct http_limits *l = &c->srv->lim;
    char msg[200];
    switch (c->state) {
    case HTTP_CS_IDLE:
    case HTTP_CS_LINGER:
        http_conn_close(c); /* idle, or the client does not take its answers */
        return;
    case HTTP_CS_HEADERS:
        snprintf(msg, sizeof msg, "request headers not received within %u ms (limit header_timeout)",
                 l->header_timeout_ms);
        conn_refuse(c, 408, "header_timeout", msg, 0);
        return;
    case HTTP_CS_BODY:
        snprintf(msg, sizeof msg, "request body not received within %u ms (limit body_timeout)",
                 l->body_timeout_ms);
        conn_refuse(c, 408, "body_timeout", msg, 0);
        return;
    case HTTP_CS_HANDLER: {
        struct http_request *r = c->req;
        log_warn("http", "%s %s: no answer within %u ms; 504 sent", r->method, r->path,
                 l->handler_timeout_ms);
        snprintf(msg, sizeof msg, "no answer within %u ms (limit handler_timeout)",
                 l->handler_timeout_ms);
        c->req = NULL;
        r->conn = NULL; /* the handler's later answer is dropped */
        c->state = HTTP_CS_IDLE;
        conn_refuse(c, 504, "handler_timeout", msg, 0);
        return;
    }
    }
}

/* ------------------------------------------------------------ accept */

void http_conn_accept(struct http_server *s)
{
    struct http_conn *c = xcalloc(1, sizeof *c);
    c->srv = s;
    uv_tcp_init(s->loop, &c->tcp);
    uv_timer_init(s->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->handles_open = 2;
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->n_live++;
    if (uv_accept((uv_stream_t *)&s->listener, (uv_stream_t *)&c->tcp) != 0 || s->stopping) {
        http_conn_close(c);
        return;
    }
    struct sockaddr_storage ss;
    int sl = sizeof ss;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
            if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) /* dual-stack: show 1.2.3.4 */
                inet_ntop(AF_INET, &a6->sin6_addr.s6_addr[12], c->peer, sizeof c->peer);
            else
                uv_ip6_name(a6, c->peer, sizeof c->peer);
            c->peer_port = ntohs(a6->sin6_port);
        } else {
            struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
            uv_ip4_name(a4, c->peer, sizeof c->peer);
            c->peer_port = ntohs(a4->sin_port);
        }
    }
    uv_tcp_nodelay(&c->tcp, 1);
    llhttp_init(&c->parser, HTTP_REQUEST, &parser_settings);
    c->parser.data = c;
    c->state = HTTP_CS_IDLE;
    const struct http_limits *l = &s->lim;
    if (l->max_connections && s->n_conns >= l->max_connections) {
        if (s->n_refusing > l->max_connections / 4 + 16) { /* a flood: no answer */
            http_conn_close(c);
            return;
        }
        s->n_refusing++;
        c->refusing = 1;
        char msg[160];
        snprintf(msg, sizeof msg, "too many connections: %zu open (limit max_connections)",
                 s->n_conns);
        conn_refuse(c, 503, "max_connections", msg, 0);
        return;
    }
    c->accepted = 1;
    s->n_conns++;
    metric_inc(s->m_conns);
    conn_arm(c, l->header_timeout_ms, on_timer);
    conn_update_reading(c);
}
