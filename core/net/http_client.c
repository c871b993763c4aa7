/* http_client.c - libcurl multi driven by libuv: see http_client.h. */
#include "net/http_client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"

#define SCOPE "http"
#define POOL_MAX 16          /* idle easy handles kept for reuse */
#define MAX_RESP_HEADERS 512 /* more: the transfer fails */

struct hc_header {
    char *name; /* one allocation: "name\0value\0" */
    char *value;
};

struct hc_req {
    struct http_client *c;
    struct hc_req *prev, *next;
    uint64_t id;
    CURL *easy;
    hub_http_done_fn done;
    void *arg;
    char *method, *url, *body; /* body NULL: no request body */
    size_t body_len;
    struct curl_slist *hdrs;
    uint32_t timeout_ms;
    uint64_t started_ms;
    struct buf resp;
    struct hc_header *rh;
    size_t n_rh, cap_rh;
    int too_big, too_many_headers, oom;
    char errbuf[CURL_ERROR_SIZE];
};

struct hc_sock {
    uv_poll_t poll;
    struct http_client *c;
    curl_socket_t fd;
    struct hc_sock *prev, *next;
};

struct http_client {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct http_client_opts opts; /* defaults filled, strings owned */
    struct hc_req *reqs;          /* outstanding */
    struct hc_sock *socks;        /* poll handles not yet closing */
    CURL *pool[POOL_MAX];
    size_t n_pool;
    uint64_t next_id;
    struct http_client_stats stats;
    int depth;     /* entry points on the stack that may call done */
    int closing;   /* http_client_free() began */
    int torn_down; /* libcurl released, handles closing */
    unsigned open_handles;
};

/* ------------------------------------------------------------ global init */
static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_rc = CURLE_FAILED_INIT;

static void curl_init_once(void) { g_curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

/* ------------------------------------------------------------ handle closing */
static void maybe_free_client(struct http_client *c)
{
    if (c->torn_down && c->open_handles == 0) {
        free((char *)c->opts.user_agent);
        free((char *)c->opts.ca_file);
        free(c);
    }
}

static void on_sock_closed(uv_handle_t *h)
{
    struct hc_sock *hs = h->data;
    struct http_client *c = hs->c;
    free(hs);
    c->open_handles--;
    maybe_free_client(c);
}

static void on_timer_closed(uv_handle_t *h)
{
    struct http_client *c = h->data;
    c->open_handles--;
    maybe_free_client(c);
}

/* Stop watching now (so the fd can be watched again at once), free later. */
static void sock_close(struct hc_sock *hs)
{
    struct http_client *c = hs->c;
    if (hs->prev) hs->prev->next = hs->next;
    else c->socks = hs->next;
    if (hs->next) hs->next->prev = hs->prev;
    hs->prev = hs->next = NULL;
    uv_close((uv_handle_t *)&hs->poll, on_sock_closed);
}

/* ------------------------------------------------------------ requests */
static void req_link(struct http_client *c, struct hc_req *r)
{
    r->prev = NULL;
    r->next = c->reqs;
    if (c->reqs) c->reqs->prev = r;
    c->reqs = r;
}

static void req_unlink(struct http_client *c, struct hc_req *r)
{
    if (r->prev) r->prev->next = r->next;
    else c->reqs = r->next;
    if (r->next) r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

static void resp_headers_clear(struct hc_req *r)
{
    for (size_t i = 0; i < r->n_rh; i++) free(r->rh[i].name);
    r->n_rh = 0;
}

static void req_free(struct http_client *c, struct hc_req *r)
{
    if (r->easy) {
        if (!c->closing && c->n_pool < POOL_MAX) {
            curl_easy_reset(r->easy);
            c->pool[c->n_pool++] = r->easy;
        } else {
            curl_easy_cleanup(r->easy);
        }
    }
    curl_slist_free_all(r->hdrs);
    resp_headers_clear(r);
    free(r->rh);
    buf_free(&r->resp);
    free(r->method);
    free(r->url);
    free(r->body);
    free(r);
}

static const char CANCELLED[] = "cancelled";

/* Count, call done once, free.  r is already unlinked and out of the multi.
 * error is CANCELLED for a cancel. */
static void req_deliver(struct http_client *c, struct hc_req *r, int status, const char *error)
{
    struct hub_header *hh = NULL;
    if (status > 0 && r->n_rh) {
        hh = xcalloc(r->n_rh, sizeof(*hh));
        for (size_t i = 0; i < r->n_rh; i++) {
            hh[i].name = r->rh[i].name;
            hh[i].value = r->rh[i].value;
        }
    }
    struct hub_http_response resp = {
        .status = status,
        .error = status > 0 ? NULL : error,
        .headers = hh,
        .n_headers = hh ? r->n_rh : 0,
        .body = status > 0 && r->resp.data ? r->resp.data : "",
        .body_len = status > 0 ? r->resp.len : 0,
        .dry_run = 0,
        .elapsed_ms = (uint32_t)(mono_ms() - r->started_ms),
    };
    c->stats.in_flight--;
    if (status > 0) c->stats.responses++;
    else if (error == CANCELLED) c->stats.cancelled++;
    else c->stats.failures++;
    r->done(r->arg, &resp);
    free(hh);
    req_free(c, r);
}

static void enter(struct http_client *c) { c->depth++; }

static void teardown(struct http_client *c)
{
    c->torn_down = 1;
    curl_multi_cleanup(c->multi); /* may still report sockets removed */
    c->multi = NULL;
    for (size_t i = 0; i < c->n_pool; i++) curl_easy_cleanup(c->pool[i]);
    c->n_pool = 0;
    while (c->socks) sock_close(c->socks);
    uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}

static void leave(struct http_client *c)
{
    if (--c->depth == 0 && c->closing && !c->torn_down) teardown(c);
}

static char *error_text(struct http_client *c, struct hc_req *r, CURLcode rc)
{
    size_t n = strlen(r->errbuf);
    while (n && (r->errbuf[n - 1] == '\n' || r->errbuf[n - 1] == '\r')) r->errbuf[--n] = '\0';
    const char *detail = n ? r->errbuf : curl_easy_strerror(rc);

    if (r->too_big || rc == CURLE_FILESIZE_EXCEEDED)
        return xasprintf("response body exceeds %zu bytes", c->opts.max_body_bytes);
    if (r->too_many_headers) return xasprintf("more than %d response headers", MAX_RESP_HEADERS);
    if (r->oom) return xstrdup("out of memory reading the response");
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        /* curl's whole-request limit fires at timeout_ms; earlier means connect. */
        uint64_t elapsed = mono_ms() - r->started_ms;
        if (elapsed + 5 < r->timeout_ms && c->opts.connect_timeout_ms < r->timeout_ms)
            return xasprintf("connect timeout after %u ms: %s", c->opts.connect_timeout_ms, detail);
        return xasprintf("timeout after %u ms: %s", r->timeout_ms, detail);
    }
    if (rc == CURLE_COULDNT_CONNECT) {
        long os_err = 0;
        curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &os_err);
        if (os_err == ECONNREFUSED) return xasprintf("connection refused: %s", detail);
    }
    if (strcmp(detail, curl_easy_strerror(rc)) == 0) return xstrdup(detail);
    return xasprintf("%s: %s", curl_easy_strerror(rc), detail);
}

/* A transfer ended: out of the multi, then done. */
static void req_finish(struct http_client *c, struct hc_req *r, CURLcode rc)
{
    req_unlink(c, r);
    curl_multi_remove_handle(c->multi, r->easy);
    long status = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && status > 0) {
        req_deliver(c, r, (int)status, NULL);
        return;
    }
    char *err = rc == CURLE_OK ? xstrdup("no HTTP response") : error_text(c, r, rc);
    log_debug(SCOPE, "%s %s: %s", r->method, r->url, err);
    req_deliver(c, r, 0, err);
    free(err);
}

/* Hand finished transfers to their callers (stops once free began: the rest
 * is cancelled by it). */
static void drain(struct http_client *c)
{
    CURLMsg *m;
    int left;
    while (!c->closing && (m = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE) continue;
        CURLcode rc = m->data.result;
        char *priv = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        req_finish(c, (struct hc_req *)(void *)priv, rc);
    }
}

/* ------------------------------------------------------------ curl <-> uv */
static void on_poll(uv_poll_t *p, int status, int events)
{
    struct hc_sock *hs = p->data;
    struct http_client *c = hs->c;
    int flags = 0, running = 0;
    if (status < 0) {
        flags = CURL_CSELECT_ERR;
    } else {
        if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    }
    enter(c);
    curl_multi_socket_action(c->multi, hs->fd, flags, &running);
    drain(c);
    leave(c);
}

static void on_timer(uv_timer_t *t)
{
    struct http_client *c = t->data;
    int running = 0;
    enter(c);
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain(c);
    leave(c);
}

static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct http_client *c = userp;
    struct hc_sock *hs = socketp;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (hs) sock_close(hs);
        return 0;
    }
    if (c->torn_down) return 0;
    if (!hs) {
        hs = xcalloc(1, sizeof(*hs));
        int rc = uv_poll_init_socket(c->loop, &hs->poll, s);
        if (rc != 0) {
            /* The transfer then fails on its timeout, which every request has. */
            log_error(SCOPE, "uv_poll_init_socket(%d): %s", (int)s, uv_strerror(rc));
            free(hs);
            return 0;
        }
        hs->poll.data = hs;
        hs->c = c;
        hs->fd = s;
        hs->next = c->socks;
        if (c->socks) c->socks->prev = hs;
        c->socks = hs;
        c->open_handles++;
        curl_multi_assign(c->multi, s, hs);
    }
    int ev = 0;
    if (what & CURL_POLL_IN) ev |= UV_READABLE;
    if (what & CURL_POLL_OUT) ev |= UV_WRITABLE;
    int rc = uv_poll_start(&hs->poll, ev, on_poll);
    if (rc != 0) log_error(SCOPE, "uv_poll_start(%d): %s", (int)s, uv_strerror(rc));
    return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct http_client *c = userp;
    (void)multi;
    if (c->torn_down) return 0;
    if (timeout_ms < 0) uv_timer_stop(&c->timer);
    else uv_timer_start(&c->timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

/* ------------------------------------------------------------ response callbacks */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct hc_req *r = ud;
    size_t len = size * nmemb;
    if (len > r->c->opts.max_body_bytes - r->resp.len) {
        r->too_big = 1;
        return 0;
    }
    if (buf_append(&r->resp, ptr, len) != 0) {
        r->oom = 1;
        return 0;
    }
    return len;
}

static int is_ows(char ch) { return ch == ' ' || ch == '\t'; }

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct hc_req *r = ud;
    size_t total = size * nmemb, len = total;
    while (len && (ptr[len - 1] == '\n' || ptr[len - 1] == '\r')) len--;
    if (len >= 5 && memcmp(ptr, "HTTP/", 5) == 0) { /* a new response (1xx, redirect) */
        resp_headers_clear(r);
        return total;
    }
    if (len == 0) return total;
    if (is_ows(ptr[0])) { /* obsolete line folding: continue the last value */
        if (r->n_rh == 0) return total;
        size_t s = 0;
        while (s < len && is_ows(ptr[s])) s++;
        struct hc_header *h = &r->rh[r->n_rh - 1];
        size_t nl = strlen(h->name), vl = strlen(h->value), al = len - s;
        char *n2 = xmalloc(nl + vl + al + 3); /* "name\0value more\0" */
        memcpy(n2, h->name, nl + 1);
        memcpy(n2 + nl + 1, h->value, vl);
        n2[nl + 1 + vl] = ' ';
        memcpy(n2 + nl + 2 + vl, ptr + s, al);
        n2[nl + 2 + vl + al] = '\0';
        free(h->name);
        h->name = n2;
        h->value = n2 + nl + 1;
        return total;
    }
    const char *colon = memchr(ptr, ':', len);
    if (!colon || colon == ptr) return total;
    size_t nl = (size_t)(colon - ptr);
    while (nl && is_ows(ptr[nl - 1])) nl--;
    const char *v = colon + 1, *end = ptr + len;
    while (v < end && is_ows(*v)) v++;
    while (end > v && is_ows(end[-1])) end--;
    size_t vl = (size_t)(end - v);
    if (r->n_rh == MAX_RESP_HEADERS) {
        r->too_many_headers = 1;
        return 0;
    }
    if (r->n_rh == r->cap_rh) {
        size_t cap = r->cap_rh ? r->cap_rh * 2 : 16;
        struct hc_header *nh = realloc(r->rh, cap * sizeof(*nh));
        if (!nh) {
            r->oom = 1;
            return 0;
        }
        r->rh = nh;
        r->cap_rh = cap;
    }
    char *s = xmalloc(nl + vl + 2);
    for (size_t i = 0; i < nl; i++) s[i] = (char)tolower((unsigned char)ptr[i]);
    s[nl] = '\0';
    memcpy(s + nl + 1, v, vl);
    s[nl + 1 + vl] = '\0';
    r->rh[r->n_rh].name = s;
    r->rh[r->n_rh].value = s + nl + 1;
    r->n_rh++;
    return total;
}

/* ------------------------------------------------------------ building a request */
static int is_tchar(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static int valid_token(const char *s)
{
    if (!s || !*s) return 0;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s)) return 0;
    return 1;
}

static int valid_value(const char *s)
{
    if (!s) return 0;
    for (; *s; s++)
        if (*s == '\r' || *s == '\n') return 0;
    return 1;
}

/* The caller's headers as a curl list, plus removals of what curl would add
 * on its own.  -1 on an invalid header. */
static int build_headers(struct hc_req *r, const struct hub_http_request *req)
{
    int has_expect = 0, has_ctype = 0;
    for (size_t i = 0; i < req->n_headers; i++) {
        const struct hub_header *h = &req->headers[i];
        if (!valid_token(h->name) || !valid_value(h->value)) return -1;
        /* The client frames the body itself. */
        if (strcasecmp(h->name, "content-length") == 0 ||
            strcasecmp(h->name, "transfer-encoding") == 0)
            continue;
        if (strcasecmp(h->name, "expect") == 0) has_expect = 1;
        if (strcasecmp(h->name, "content-type") == 0) has_ctype = 1;
        char *line = h->value[0] ? xasprintf("%s: %s", h->name, h->value)
                                 : xasprintf("%s;", h->name); /* curl's "send empty" */
        struct curl_slist *n = curl_slist_append(r->hdrs, line);
        free(line);
        if (!n) return -1;
        r->hdrs = n;
    }
    const char *extra[2];
    size_t n_extra = 0;
    if (!has_expect) extra[n_extra++] = "Expect:";
    if (r->body && !has_ctype) extra[n_extra++] = "Content-Type:";
    for (size_t i = 0; i < n_extra; i++) {
        struct curl_slist *n = curl_slist_append(r->hdrs, extra[i]);
        if (!n) return -1;
        r->hdrs = n;
    }
    return 0;
}

static int configure(struct http_client *c, struct hc_req *r)
{
    CURL *e = r->easy;
    const struct http_client_opts *o = &c->opts;
    CURLcode rc = CURLE_OK;
#define SET(opt, val) \
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_URL, r->url);
    SET(CURLOPT_PRIVATE, (void *)r);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms);
    SET(CURLOPT_USERAGENT, o->user_agent);
    if (o->ca_file) SET(CURLOPT_CAINFO, o->ca_file);
    SET(CURLOPT_FOLLOWLOCATION, o->follow_redirects ? 1L : 0L);
    SET(CURLOPT_MAXREDIRS, o->max_redirects);
    if (o->accept_encoding) SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_ERRORBUFFER, r->errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)r);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)r);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body_bytes);
    SET(CURLOPT_HTTPHEADER, r->hdrs);
    if (r->body) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        SET(CURLOPT_POSTFIELDS, r->body);
        if (strcmp(r->method, "POST") != 0) SET(CURLOPT_CUSTOMREQUEST, r->method);
    } else if (strcmp(r->method, "HEAD") == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "GET") == 0) {
        SET(CURLOPT_HTTPGET, 1L);
    } else {
        SET(CURLOPT_CUSTOMREQUEST, r->method);
    }
#undef SET
    if (rc != CURLE_OK) {
        log_error(SCOPE, "curl_easy_setopt: %s", curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}

int http_client_request(struct http_client *c, const struct hub_http_request *req,
                        hub_http_done_fn done, void *arg, uint64_t *request_id)
{
    if (!c || !req || !done || c->closing) return -1;
    if (!valid_token(req->method) || !req->url || !req->url[0]) return -1;
    if (!req->body && req->body_len) return -1;
    if (req->n_headers && !req->headers) return -1;
    for (const char *p = req->url; *p; p++)
        if ((unsigned char)*p <= ' ') return -1;

    struct hc_req *r = xcalloc(1, sizeof(*r));
    r->c = c;
    r->done = done;
    r->arg = arg;
    r->method = xstrdup(req->method);
    r->url = xstrdup(req->url);
    int wants_body = strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0 ||
                     strcmp(req->method, "PATCH") == 0;
    if (req->body || wants_body) {
        r->body = xmalloc(req->body_len + 1);
        if (req->body_len) memcpy(r->body, req->body, req->body_len);
        r->body[req->body_len] = '\0';
        r->body_len = req->body_len;
    }
    r->timeout_ms = req->timeout_ms ? req->timeout_ms : c->opts.timeout_ms;
    if (build_headers(r, req) != 0) goto fail;

    r->easy = c->n_pool ? c->pool[--c->n_pool] : curl_easy_init();
    if (!r->easy || configure(c, r) != 0) goto fail;

    r->id = ++c->next_id;
    r->started_ms = mono_ms();
    req_link(c, r);
    CURLMcode mrc = curl_multi_add_handle(c->multi, r->easy);
    if (mrc != CURLM_OK) {
        log_error(SCOPE, "curl_multi_add_handle: %s", curl_multi_strerror(mrc));
        req_unlink(c, r);
        goto fail;
    }
    c->stats.requests++;
    c->stats.in_flight++;
    if (request_id) *request_id = r->id;
    return 0;
fail:
    req_free(c, r);
    return -1;
}

int http_client_cancel(struct http_client *c, uint64_t request_id)
{
    if (!c || request_id == 0 || c->torn_down) return -1;
    struct hc_req *r = c->reqs;
    while (r && r->id != request_id) r = r->next;
    if (!r) return -1;
    enter(c);
    req_unlink(c, r);
    curl_multi_remove_handle(c->multi, r->easy);
    req_deliver(c, r, 0, CANCELLED);
    leave(c);
    return 0;
}

void http_client_get_stats(const struct http_client *c, struct http_client_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (c) *out = c->stats;
}

struct http_client *http_client_new(uv_loop_t *loop, const struct http_client_opts *opts)
{
    if (!loop) return NULL;
    pthread_once(&g_curl_once, curl_init_once);
    if (g_curl_rc != CURLE_OK) {
        log_error(SCOPE, "curl_global_init: %s", curl_easy_strerror(g_curl_rc));
        return NULL;
    }
    struct http_client *c = xcalloc(1, sizeof(*c));
    c->loop = loop;
    if (opts) c->opts = *opts;
    struct http_client_opts *o = &c->opts;
    if (!o->timeout_ms) o->timeout_ms = HTTP_CLIENT_DEFAULT_TIMEOUT_MS;
    if (!o->connect_timeout_ms) o->connect_timeout_ms = HTTP_CLIENT_DEFAULT_CONNECT_TIMEOUT_MS;
    if (o->max_total_connections <= 0) o->max_total_connections = HTTP_CLIENT_DEFAULT_MAX_TOTAL;
    if (o->max_host_connections <= 0) o->max_host_connections = HTTP_CLIENT_DEFAULT_MAX_PER_HOST;
    if (!o->max_body_bytes) o->max_body_bytes = HTTP_CLIENT_DEFAULT_MAX_BODY;
    if (o->max_redirects <= 0) o->max_redirects = 5;
    o->user_agent = xstrdup(o->user_agent ? o->user_agent : HTTP_CLIENT_DEFAULT_USER_AGENT);
    o->ca_file = o->ca_file ? xstrdup(o->ca_file) : NULL;

    c->multi = curl_multi_init();
    if (!c->multi) {
        log_error(SCOPE, "curl_multi_init failed");
        free((char *)o->user_agent);
        free((char *)o->ca_file);
        free(c);
        return NULL;
    }
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, (void *)c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, (void *)c);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, o->max_total_connections);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, o->max_host_connections);
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, o->max_total_connections);

    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->open_handles = 1;
    return c;
}

void http_client_free(struct http_client *c)
{
    if (!c || c->closing) return;
    c->closing = 1;
    enter(c);
    while (c->reqs) {
        struct hc_req *r = c->reqs;
        req_unlink(c, r);
        curl_multi_remove_handle(c->multi, r->easy);
        req_deliver(c, r, 0, CANCELLED);
    }
    leave(c);
}
