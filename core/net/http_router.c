/* http_router.c - sorted tables of exact and prefix patterns (see http_router.h). */
#include "net/http_router.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_text.h"
#include "common/util.h"

struct method_route {
    char method[24];
    http_handler_fn fn;
    void *arg;
};

struct pattern {
    char *pattern; /* as registered, with the '*' for prefixes */
    size_t len;    /* bytes compared: the whole path, or the prefix before '*' */
    struct method_route *routes;
    size_t n_routes;
};

struct table {
    struct pattern *v;
    size_t n, cap;
};

struct http_router {
    struct table exact, prefix;
    size_t *lens; /* distinct prefix lengths, descending */
    size_t n_lens;
    size_t n_routes;
};

struct http_router *http_router_new(void) { return xcalloc(1, sizeof(struct http_router)); }

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].pattern);
        free(t->v[i].routes);
    }
    free(t->v);
}

void http_router_free(struct http_router *r)
{
    if (!r) return;
    table_free(&r->exact);
    table_free(&r->prefix);
    free(r->lens);
    free(r);
}

size_t http_router_count(const struct http_router *r) { return r->n_routes; }

/* Compare key[0..klen) with a pattern's compared bytes. */
static int cmp_key(const char *key, size_t klen, const struct pattern *p)
{
    size_t n = klen < p->len ? klen : p->len;
    int c = memcmp(key, p->pattern, n);
    if (c) return c;
    return klen < p->len ? -1 : klen > p->len ? 1 : 0;
}

/* Index of key, or -(insertion point) - 1. */
static long table_find(const struct table *t, const char *key, size_t klen)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_key(key, klen, &t->v[mid]);
        if (c == 0) return (long)mid;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return -(long)lo - 1;
}

static void rebuild_lens(struct http_router *r)
{
    free(r->lens);
    r->lens = NULL;
    r->n_lens = 0;
    if (!r->prefix.n) return;
    r->lens = xcalloc(r->prefix.n, sizeof *r->lens);
    for (size_t i = 0; i < r->prefix.n; i++) {
        size_t len = r->prefix.v[i].len, k;
        for (k = 0; k < r->n_lens && r->lens[k] > len; k++) {}
        if (k < r->n_lens && r->lens[k] == len) continue;
        memmove(r->lens + k + 1, r->lens + k, (r->n_lens - k) * sizeof *r->lens);
        r->lens[k] = len;
        r->n_lens++;
    }
}

static int valid_method(const char *m)
{
    if (!m || !*m || strlen(m) >= sizeof(((struct method_route *)0)->method)) return 0;
    if (strcmp(m, "*") == 0) return 1;
    for (; *m; m++)
        if (!((*m >= 'A' && *m <= 'Z') || *m == '-' || *m == '_')) return 0;
    return 1;
}

static int valid_pattern(const char *p)
{
    if (!p || p[0] != '/') return 0;
    const char *star = strchr(p, '*');
    return !star || star[1] == '\0';
}

int http_router_add(struct http_router *r, const char *method, const char *pattern,
                    http_handler_fn fn, void *arg)
{
    if (!valid_method(method) || !valid_pattern(pattern) || !fn) {
        errno = EINVAL;
        return -1;
    }
    size_t plen = strlen(pattern);
    int is_prefix = pattern[plen - 1] == '*';
    struct table *t = is_prefix ? &r->prefix : &r->exact;
    size_t klen = is_prefix ? plen - 1 : plen;
    long at = table_find(t, pattern, klen);
    struct pattern *p;
    if (at >= 0) {
        p = &t->v[at];
        for (size_t i = 0; i < p->n_routes; i++) {
            if (strcmp(p->routes[i].method, method) == 0) {
                errno = EEXIST;
                return -1;
            }
        }
    } else {
        size_t ins = (size_t)(-at - 1);
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 16;
            struct pattern *v = realloc(t->v, t->cap * sizeof *v);
            if (!v) abort();
            t->v = v;
        }
        memmove(t->v + ins + 1, t->v + ins, (t->n - ins) * sizeof *t->v);
        t->n++;
        p = &t->v[ins];
        memset(p, 0, sizeof *p);
        p->pattern = xstrdup(pattern);
        p->len = klen;
        if (is_prefix) rebuild_lens(r);
    }
    struct method_route *v = realloc(p->routes, (p->n_routes + 1) * sizeof *v);
    if (!v) abort();
    p->routes = v;
    struct method_route *mr = &p->routes[p->n_routes++];
    memset(mr, 0, sizeof *mr);
    str_copy(mr->method, method, sizeof mr->method);
    mr->fn = fn;
    mr->arg = arg;
    r->n_routes++;
    return 0;
}

static void drop_pattern(struct http_router *r, struct table *t, size_t i)
{
    int is_prefix = t == &r->prefix;
    free(t->v[i].pattern);
    free(t->v[i].routes);
    memmove(t->v + i, t->v + i + 1, (t->n - i - 1) * sizeof *t->v);
    t->n--;
    if (is_prefix) rebuild_lens(r);
}

int http_router_remove(struct http_router *r, const char *method, const char *pattern)
{
    if (!method || !valid_pattern(pattern)) {
        errno = ENOENT;
        return -1;
    }
    size_t plen = strlen(pattern);
    int is_prefix = pattern[plen - 1] == '*';
    struct table *t = is_prefix ? &r->prefix : &r->exact;
    long at = table_find(t, pattern, is_prefix ? plen - 1 : plen);
    if (at < 0) {
        errno = ENOENT;
        return -1;
    }
    struct pattern *p = &t->v[at];
    for (size_t i = 0; i < p->n_routes; i++) {
        if (strcmp(p->routes[i].method, method) != 0) continue;
        memmove(p->routes + i, p->routes + i + 1, (p->n_routes - i - 1) * sizeof *p->routes);
        p->n_routes--;
        r->n_routes--;
        if (!p->n_routes) drop_pattern(r, t, (size_t)at);
        return 0;
    }
    errno = ENOENT;
    return -1;
}

static size_t remove_under_table(struct http_router *r, struct table *t, const char *prefix)
{
    size_t n = strlen(prefix), removed = 0;
    for (size_t i = 0; i < t->n;) {
        if (strncmp(t->v[i].pattern, prefix, n) == 0) {
            removed += t->v[i].n_routes;
            r->n_routes -= t->v[i].n_routes;
            drop_pattern(r, t, i);
        } else {
            i++;
        }
    }
    return removed;
}

size_t http_router_remove_under(struct http_router *r, const char *prefix)
{
    if (!prefix) return 0;
    return remove_under_table(r, &r->exact, prefix) + remove_under_table(r, &r->prefix, prefix);
}

static const struct method_route *pick(const struct pattern *p, const char *method)
{
    const struct method_route *any = NULL, *get = NULL;
    int head = strcmp(method, "HEAD") == 0;
    for (size_t i = 0; i < p->n_routes; i++) {
        const char *m = p->routes[i].method;
        if (strcmp(m, method) == 0) return &p->routes[i];
        if (head && strcmp(m, "GET") == 0) get = &p->routes[i];
        if (strcmp(m, "*") == 0) any = &p->routes[i];
    }
    return get ? get : any;
}

static void allow_add(char *allow, size_t size, const char *method)
{
    /* keep a sorted, de-duplicated ", "-separated list */
    char tmp[160];
    const char *items[32];
    size_t n = 0;
    char copy[160];
    str_copy(copy, allow, sizeof copy);
    for (char *s = copy, *save = NULL, *tok; (tok = strtok_r(s, ", ", &save)) && n < 31; s = NULL)
        items[n++] = tok;
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], method) == 0) return;
    size_t k = 0;
    while (k < n && strcmp(items[k], method) < 0) k++;
    memmove(items + k + 1, items + k, (n - k) * sizeof *items);
    items[k] = method;
    n++;
    tmp[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(items[i]);
        if (used + l + 3 >= sizeof tmp) break;
        if (i) {
            memcpy(tmp + used, ", ", 2);
            used += 2;
        }
        memcpy(tmp + used, items[i], l);
        used += l;
        tmp[used] = '\0';
    }
    str_copy(allow, tmp, size);
}

static void allow_pattern(char *allow, size_t size, const struct pattern *p)
{
    for (size_t i = 0; i < p->n_routes; i++) {
        allow_add(allow, size, p->routes[i].method);
        if (strcmp(p->routes[i].method, "GET") == 0) allow_add(allow, size, "HEAD");
    }
}

static int try_pattern(const struct pattern *p, const char *method, int is_prefix,
                       struct http_route_match *m)
{
    const struct method_route *mr = pick(p, method);
    if (!mr) {
        allow_pattern(m->allow, sizeof m->allow, p);
        return 0;
    }
    m->fn = mr->fn;
    m->arg = mr->arg;
    m->pattern = p->pattern;
    m->prefix_len = is_prefix ? p->len : 0;
    m->allow[0] = '\0';
    return 1;
}

enum http_route_status http_router_lookup(const struct http_router *r, const char *method,
                                          const char *path, struct http_route_match *m)
{
    memset(m, 0, sizeof *m);
    size_t plen = strlen(path);
    int seen = 0;
    long at = table_find(&r->exact, path, plen);
    if (at >= 0) {
        seen = 1;
        if (try_pattern(&r->exact.v[at], method, 0, m)) return HTTP_ROUTE_FOUND;
    }
    for (size_t i = 0; i < r->n_lens; i++) {
        size_t len = r->lens[i];
        if (len > plen) continue;
        at = table_find(&r->prefix, path, len);
        if (at < 0) continue;
        seen = 1;
        if (try_pattern(&r->prefix.v[at], method, 1, m)) return HTTP_ROUTE_FOUND;
    }
    return seen ? HTTP_ROUTE_METHOD_NOT_ALLOWED : HTTP_ROUTE_NOT_FOUND;
}

void http_router_dispatch(struct http_request *req, void *router)
{
    struct http_route_match m;
    const char *path = http_request_path(req);
    switch (http_router_lookup(router, http_request_method(req), path, &m)) {
    case HTTP_ROUTE_FOUND:
        http_request_set_route_rest(req, m.prefix_len);
        m.fn(m.arg, req);
        return;
    case HTTP_ROUTE_METHOD_NOT_ALLOWED: {
        char msg[256];
        snprintf(msg, sizeof msg, "method %s not allowed (allowed: %s)", http_request_method(req),
                 m.allow);
        json_t *body = json_pack("{s:s}", "error", msg);
        char *text = body ? json_text(body, 0) : NULL;
        json_decref(body);
        struct hub_header h[] = {{"Allow", m.allow}, {"Content-Type", "application/json"}};
        http_respond(req, 405, h, 2, text, text ? strlen(text) : 0);
        free(text);
        return;
    }
    case HTTP_ROUTE_NOT_FOUND:
        http_respond_error(req, 404, "no route for %s", path);
        return;
    }
}
