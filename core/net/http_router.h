/*
 * http_router.h - method + path routing for the HTTP server.
 *
 * A route is a method ("GET", "POST", ... or "*" for any) and a pattern:
 *   exact   "/healthz"            matches that decoded path only;
 *   prefix  "/t/demo/shopify/" followed by '*': any pattern ending in '*'
 *           matches every path starting with what precedes the '*'
 *           ("/t/demo/shopify/" here, so not "/t/demo/shopify" itself).
 * Lookup tries the exact pattern, then prefixes from the longest down; the
 * first of those that has a route for the method wins (the method itself,
 * then GET for a HEAD request, then "*").  A path some pattern matches but
 * no route takes the method gives 405 with an Allow header listing the
 * methods that would work; no pattern at all gives 404.
 *
 * Structure and cost: two sorted tables (exact patterns; prefix patterns)
 * and the sorted set of distinct prefix lengths.  Lookup is one binary
 * search for the exact path plus one per distinct prefix length not longer
 * than the path: O((1 + k) log n) string comparisons for n patterns with k
 * distinct prefix lengths (k is small: /t/<tenant>/<channel>/ prefixes of a
 * few lengths).  Adding or removing a route is O(n) (sorted insert).
 *
 * Routes may be added and removed at run time (plugins loading and
 * unloading); the loop thread only.  A handler's arg must stay valid while
 * its route is registered.
 */
#ifndef HUB_NET_HTTP_ROUTER_H
#define HUB_NET_HTTP_ROUTER_H

#include <stddef.h>

#include "net/http_server.h"

typedef void (*http_handler_fn)(void *arg, struct http_request *req);

struct http_router;

struct http_router *http_router_new(void);
void http_router_free(struct http_router *r);

/* 0, or -1 with errno EINVAL (bad method or pattern: it must start with
 * '/', '*' only at the end) or EEXIST (same method and pattern). */
int http_router_add(struct http_router *r, const char *method, const char *pattern,
                    http_handler_fn fn, void *arg);
/* 0, or -1 with errno ENOENT. */
int http_router_remove(struct http_router *r, const char *method, const char *pattern);
/* Remove every route whose pattern starts with `prefix` (a plugin
 * unloading: "/t/demo/shopify/").  Returns how many were removed. */
size_t http_router_remove_under(struct http_router *r, const char *prefix);
size_t http_router_count(const struct http_router *r);

enum http_route_status {
    HTTP_ROUTE_FOUND = 0,
    HTTP_ROUTE_NOT_FOUND = 404,
    HTTP_ROUTE_METHOD_NOT_ALLOWED = 405,
};

struct http_route_match {
    http_handler_fn fn;
    void *arg;
    const char *pattern; /* the matching route's pattern (valid until it is removed) */
    size_t prefix_len;   /* bytes of the path before the '*' of a prefix route; 0 if exact */
    char allow[160];     /* 405: "GET, HEAD, POST" */
};

enum http_route_status http_router_lookup(const struct http_router *r, const char *method,
                                          const char *path, struct http_route_match *m);

/* An http_dispatch_fn (arg = the router): look the request up by its method
 * and decoded path, set its route rest, call the handler; or answer 404,
 * or 405 with Allow, with a JSON error body. */
void http_router_dispatch(struct http_request *req, void *router);

#endif
