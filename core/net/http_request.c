/* http_request.c - the inbound request object, its accessors, and answer serialization. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/json_text.h"
#include "common/log.h"
#include "common/util.h"
#include "net/http_internal.h"

/* ------------------------------------------------------------ lifecycle */

struct http_request *http_request_new(struct http_conn *c)
{
    struct http_request *r = xcalloc(1, sizeof *r);
    r->conn = c;
    r->id = ++c->srv->next_id;
    r->method = "";
    str_copy(r->peer, c->peer, sizeof r->peer);
    str_copy(r->client_ip, c->peer, sizeof r->client_ip);
    r->peer_port = c->peer_port;
    r->received_ms = now_ms();
    r->start_ns = mono_ns();
    return r;
}

void http_request_free(struct http_request *r)
{
    if (!r) return;
    if (r->data_free) r->data_free(r->data);
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    buf_free(&r->target);
    buf_free(&r->body);
    free(r->raw_path);
    free(r->path);
    free(r->query);
    free(r);
}

int http_request_add_header(struct http_request *r, const char *name, size_t nlen,
                            const char *value, size_t vlen)
{
    if (r->n_headers == r->cap_headers) {
        size_t cap = r->cap_headers ? r->cap_headers * 2 : 16;
        struct http_header_kv *h = realloc(r->headers, cap * sizeof *h);
        if (!h) return -1;
        r->headers = h;
        r->cap_headers = cap;
    }
    struct http_header_kv *kv = &r->headers[r->n_headers];
    kv->name = xmalloc(nlen + 1);
    memcpy(kv->name, name, nlen);
    kv->name[nlen] = '\0';
    /* trailing spaces/tabs of the value are not part of it (RFC 9110 5.5) */
    while (vlen && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t')) vlen--;
    kv->value = xmalloc(vlen + 1);
    if (vlen) memcpy(kv->value, value, vlen);
    kv->value[vlen] = '\0';
    r->n_headers++;
    return 0;
}

/* ------------------------------------------------------------ target */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long http_percent_decode(const char *in, size_t n, char *out, int plus_space)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= n) return -1;
            int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
            if (c == '\0') return -1;
        } else if (c == '+' && plus_space) {
            c = ' ';
        } else if (c == '\0') {
            return -1;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return (long)o;
}

int http_request_parse_target(struct http_request *r, const char **why)
{
    const char *t = r->target.data ? r->target.data : "";
    size_t tlen = r->target.len;
    if (memchr(t, '\0', tlen)) {
        *why = "NUL byte in request target";
        return -1;
    }
    /* absolute-form (proxies): drop scheme and authority */
    if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
        const char *p = strstr(t, "//") + 2;
        const char *slash = strpbrk(p, "/?");
        if (!slash) t = "/";
        else if (*slash == '?') {
            /* "http://h?x" -> path "/" query x: rebuild below */
            r->raw_path = xstrdup("/");
            r->path = xstrdup("/");
            const char *hash = strchr(slash + 1, '#');
            size_t ql = hash ? (size_t)(hash - slash - 1) : strlen(slash + 1);
            r->query = xmalloc(ql + 1);
            memcpy(r->query, slash + 1, ql);
            r->query[ql] = '\0';
            return 0;
        } else t = slash;
    }
    if (t[0] != '/') {
        *why = "request target must start with '/'";
        return -1;
    }
    size_t plen = strcspn(t, "?#");
    r->raw_path = xmalloc(plen + 1);
    memcpy(r->raw_path, t, plen);
    r->raw_path[plen] = '\0';
    if (t[plen] == '?') {
        const char *q = t + plen + 1;
        size_t ql = strcspn(q, "#");
        r->query = xmalloc(ql + 1);
        memcpy(r->query, q, ql);
        r->query[ql] = '\0';
    } else {
        r->query = xstrdup("");
    }
    r->path = xmalloc(plen + 1);
    if (http_percent_decode(r->raw_path, plen, r->path, 0) < 0) {
        *why = "invalid percent escape or NUL in path";
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ accessors */

const char *http_request_method(const struct http_request *r) { return r->method; }
const char *http_request_target(const struct http_request *r)
{
    return r->target.data ? r->target.data : "";
}
const char *http_request_raw_path(const struct http_request *r)
{
    return r->raw_path ? r->raw_path : "";
}
const char *http_request_path(const struct http_request *r) { return r->path ? r->path : ""; }
const char *http_request_query(const struct http_request *r) { return r->query ? r->query : ""; }

const char *http_request_header(const struct http_request *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0) return r->headers[i].value;
    return NULL;
}

size_t http_request_header_count(const struct http_request *r) { return r->n_headers; }

int http_request_header_at(const struct http_request *r, size_t i, const char **name,
                           const char **value)
{
    if (i >= r->n_headers) return -1;
    if (name) *name = r->headers[i].name;
    if (value) *value = r->headers[i].value;
    return 0;
}

const char *http_request_body(const struct http_request *r, size_t *len)
{
    if (len) *len = r->body.len;
    return r->body.data ? r->body.data : "";
}

const char *http_request_peer(const struct http_request *r) { return r->peer; }
int http_request_peer_port(const struct http_request *r) { return r->peer_port; }
const char *http_request_client_ip(const struct http_request *r) { return r->client_ip; }
uint64_t http_request_received_ms(const struct http_request *r) { return r->received_ms; }
uint64_t http_request_id(const struct http_request *r) { return r->id; }
int http_request_http_minor(const struct http_request *r) { return r->http_minor; }
int http_request_connected(const struct http_request *r) { return r->conn != NULL; }

void http_request_set_data(struct http_request *r, void *data, void (*free_fn)(void *))
{
    r->data = data;
    r->data_free = free_fn;
}

void *http_request_data(const struct http_request *r) { return r->data; }

const char *http_request_route_rest(const struct http_request *r)
{
    const char *p = http_request_path(r);
    size_t n = strlen(p);
    return r->route_prefix <= n ? p + r->route_prefix : "";
}

void http_request_set_route_rest(struct http_request *r, size_t prefix_len)
{
    r->route_prefix = prefix_len;
}

const char *http_request_bearer(const struct http_request *r)
{
    const char *v = http_request_header(r, "authorization");
    if (!v) return NULL;
    while (*v == ' ' || *v == '\t') v++;
    if (strncasecmp(v, "bearer", 6) != 0 || (v[6] != ' ' && v[6] != '\t')) return NULL;
    v += 6;
    while (*v == ' ' || *v == '\t') v++;
    return *v ? v : NULL;
}

char *http_request_query_param(const struct http_request *r, const char *name)
{
    const char *q = http_request_query(r);
    size_t nl = strlen(name);
    while (*q) {
        size_t item = strcspn(q, "&");
        const char *eq = memchr(q, '=', item);
        size_t klen = eq ? (size_t)(eq - q) : item;
        char *key = xmalloc(klen + 1);
        long kd = http_percent_decode(q, klen, key, 1);
        int match = kd >= 0 && (size_t)kd == nl && memcmp(key, name, nl) == 0;
        free(key);
        if (match) {
            const char *v = eq ? eq + 1 : q + item;
            size_t vlen = eq ? item - klen - 1 : 0;
            char *out = xmalloc(vlen + 1);
            if (http_percent_decode(v, vlen, out, 1) < 0) {
                free(out);
                return NULL;
            }
            return out;
        }
        q += item;
        if (*q == '&') q++;
    }
    return NULL;
}

/* ------------------------------------------------------------ answers */

const char *http_status_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    }
    return "";
}

static int header_ok(const char *s, int is_name)
{
    if (!s || (is_name && !*s)) return 0;
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n') return 0;
        if (is_name && (*s == ':' || *s == ' ' || *s == '\t')) return 0;
    }
    return 1;
}

int http_headers_say_close(const struct hub_header *headers, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (headers[i].name && strcasecmp(headers[i].name, "connection") == 0 &&
            headers[i].value && strcasecmp(headers[i].value, "close") == 0)
            return 1;
    }
    return 0;
}

/* Decimal text of v in buf (at least 21 bytes); returns the start. */
static const char *fmt_u64(char buf[24], uint64_t v)
{
    char *p = buf + 23;
    *p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

void http_build_response(struct buf *out, int status, const struct hub_header *headers,
                         size_t n_headers, const void *body, size_t len, int head, int close,
                         int keep_alive_10)
{
    const char *reason = http_status_reason(status);
    char num[24];
    buf_puts(out, "HTTP/1.1 "); /* no printf on the answer path: it is per request */
    buf_puts(out, fmt_u64(num, (uint64_t)(status >= 100 && status <= 999 ? status : 500)));
    buf_putc(out, ' ');
    buf_puts(out, *reason ? reason : "Status");
    buf_puts(out, "\r\n");
    static _Thread_local char date[64];
    static _Thread_local time_t date_at = -1;
    time_t t = time(NULL);
    if (t != date_at) { /* formatted once a second */
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        date_at = t;
    }
    buf_puts(out, "Date: ");
    buf_puts(out, date);
    buf_puts(out, "\r\n");
    for (size_t i = 0; i < n_headers; i++) {
        const char *nm = headers[i].name, *v = headers[i].value;
        if (!header_ok(nm, 1) || !header_ok(v, 0)) {
            log_warn("http", "dropped an invalid response header");
            continue;
        }
        if (strcasecmp(nm, "content-length") == 0 || strcasecmp(nm, "connection") == 0 ||
            strcasecmp(nm, "transfer-encoding") == 0 || strcasecmp(nm, "date") == 0)
            continue;
        buf_puts(out, nm);
        buf_puts(out, ": ");
        buf_puts(out, v);
        buf_puts(out, "\r\n");
    }
    int no_body = status == 204 || status == 304;
    if (!no_body) {
        buf_puts(out, "Content-Length: ");
        buf_puts(out, fmt_u64(num, len));
        buf_puts(out, "\r\n");
    }
    if (close) buf_puts(out, "Connection: close\r\n");
    else if (keep_alive_10) buf_puts(out, "Connection: keep-alive\r\n");
    buf_puts(out, "\r\n");
    if (!head && !no_body && len) buf_append(out, body, len);
}

void http_respond(struct http_request *req, int status, const struct hub_header *headers,
                  size_t n_headers, const void *body, size_t len)
{
    if (!req) return;
    if (req->responded) {
        log_error("http", "request %llu answered twice; second answer ignored",
                  (unsigned long long)req->id);
        return;
    }
    req->responded = 1;
    if (status < 200 || status > 599) {
        log_error("http", "handler answered status %d; sending 500", status);
        status = 500;
    }
    if (!headers) n_headers = 0;
    if (!body) len = 0;
    if (!req->conn) { /* orphan: the client is gone or was answered already */
        http_request_free(req);
        return;
    }
    http_conn_respond(req->conn, req, status, headers, n_headers, body, len);
}

void http_respond_json(struct http_request *req, int status, json_t *body)
{
    char *text = body ? json_text(body, 0) : NULL;
    json_decref(body);
    struct hub_header h[] = {{"Content-Type", "application/json"}};
    if (!text) {
        static const char fail[] = "{\"error\":\"response could not be encoded\"}";
        http_respond(req, 500, h, 1, fail, sizeof fail - 1);
        return;
    }
    http_respond(req, status, h, 1, text, strlen(text));
    free(text);
}

void http_respond_error(struct http_request *req, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *j = json_pack("{s:s}", "error", msg);
    if (!j) { /* not UTF-8 (e.g. a client's path): keep ASCII only */
        for (char *p = msg; *p; p++)
            if ((unsigned char)*p >= 0x80) *p = '?';
        j = json_pack("{s:s}", "error", msg);
    }
    http_respond_json(req, status, j);
}
