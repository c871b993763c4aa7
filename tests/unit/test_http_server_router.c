/* test_http_server_router.c - the router, the per-IP token buckets and the
 * request helpers (percent decoding, query parameters), without sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/http_ratelimit.h"
#include "net/http_router.h"
#include "net/http_server.h"

static int tag_a, tag_b, tag_c, tag_d, tag_e;
static void h1(void *arg, struct http_request *req)
{
    (void)arg;
    (void)req;
}
static void h2(void *arg, struct http_request *req)
{
    (void)arg;
    (void)req;
}

static enum http_route_status look(struct http_router *r, const char *method, const char *path,
                                   struct http_route_match *m)
{
    return http_router_lookup(r, method, path, m);
}

static void test_exact_prefix_and_precedence(void **state)
{
    (void)state;
    struct http_router *r = http_router_new();
    struct http_route_match m;
    assert_int_equal(http_router_add(r, "GET", "/healthz", h1, &tag_a), 0);
    assert_int_equal(http_router_add(r, "POST", "/t/demo/shopify/*", h1, &tag_b), 0);
    assert_int_equal(http_router_add(r, "POST", "/t/demo/shopify/webhooks", h2, &tag_c), 0);
    assert_int_equal(http_router_add(r, "*", "/t/demo/*", h1, &tag_d), 0);
    assert_int_equal(http_router_add(r, "GET", "/t/demo/shopify/acp/*", h1, &tag_e), 0);
    assert_int_equal(http_router_count(r), 5);

    assert_int_equal(look(r, "GET", "/healthz", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.arg, &tag_a);
    assert_int_equal(m.prefix_len, 0);
    assert_int_equal(look(r, "GET", "/healthz/x", &m), HTTP_ROUTE_NOT_FOUND);
    assert_int_equal(look(r, "GET", "/health", &m), HTTP_ROUTE_NOT_FOUND);
    assert_int_equal(look(r, "GET", "/", &m), HTTP_ROUTE_NOT_FOUND);

    /* exact beats prefix */
    assert_int_equal(look(r, "POST", "/t/demo/shopify/webhooks", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.arg, &tag_c);
    assert_true(m.fn == h2);
    /* longest prefix wins */
    assert_int_equal(look(r, "POST", "/t/demo/shopify/other", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.arg, &tag_b);
    assert_int_equal(m.prefix_len, strlen("/t/demo/shopify/"));
    assert_string_equal(m.pattern, "/t/demo/shopify/*");
    assert_int_equal(look(r, "GET", "/t/demo/shopify/acp/checkout/1", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.arg, &tag_e);
    /* a more specific prefix without the method falls back to a shorter one that has it */
    assert_int_equal(look(r, "GET", "/t/demo/shopify/other", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.arg, &tag_d);
    assert_int_equal(m.prefix_len, strlen("/t/demo/"));
    /* the prefix does not match the bare directory */
    assert_int_equal(look(r, "DELETE", "/t/demo", &m), HTTP_ROUTE_NOT_FOUND);
    assert_int_equal(look(r, "DELETE", "/t/demo/", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.arg, &tag_d);
    http_router_free(r);
}

static void test_405_allow_and_head(void **state)
{
    (void)state;
    struct http_router *r = http_router_new();
    struct http_route_match m;
    http_router_add(r, "POST", "/x", h1, &tag_a);
    http_router_add(r, "GET", "/x", h1, &tag_b);
    http_router_add(r, "PUT", "/p/*", h1, &tag_c);
    http_router_add(r, "DELETE", "/p/q/*", h1, &tag_d);
    assert_int_equal(look(r, "PATCH", "/x", &m), HTTP_ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET, HEAD, POST");
    /* HEAD is served by GET */
    assert_int_equal(look(r, "HEAD", "/x", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.arg, &tag_b);
    /* Allow is the union over every pattern that matches the path */
    assert_int_equal(look(r, "GET", "/p/q/z", &m), HTTP_ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "DELETE, PUT");
    assert_int_equal(look(r, "PUT", "/p/q/z", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.arg, &tag_c);
    /* an explicit HEAD route beats GET */
    http_router_add(r, "HEAD", "/x", h2, &tag_e);
    assert_int_equal(look(r, "HEAD", "/x", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.arg, &tag_e);
    http_router_free(r);
}

static void test_add_remove_errors(void **state)
{
    (void)state;
    struct http_router *r = http_router_new();
    struct http_route_match m;
    errno = 0;
    assert_int_equal(http_router_add(r, "GET", "nope", h1, NULL), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(http_router_add(r, "GET", "/a*/b", h1, NULL), -1);
    assert_int_equal(http_router_add(r, "get", "/a", h1, NULL), -1);
    assert_int_equal(http_router_add(r, "", "/a", h1, NULL), -1);
    assert_int_equal(http_router_add(r, "GET", "/a", NULL, NULL), -1);
    assert_int_equal(http_router_add(r, "GET", "/a", h1, NULL), 0);
    assert_int_equal(http_router_add(r, "GET", "/a", h2, NULL), -1);
    assert_int_equal(errno, EEXIST);
    assert_int_equal(http_router_add(r, "POST", "/a", h2, NULL), 0);

    assert_int_equal(http_router_remove(r, "PUT", "/a"), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(http_router_remove(r, "GET", "/a"), 0);
    assert_int_equal(look(r, "GET", "/a", &m), HTTP_ROUTE_METHOD_NOT_ALLOWED);
    assert_int_equal(http_router_remove(r, "POST", "/a"), 0);
    assert_int_equal(look(r, "POST", "/a", &m), HTTP_ROUTE_NOT_FOUND);
    assert_int_equal(http_router_count(r), 0);

    /* a plugin's routes come and go at run time */
    http_router_add(r, "POST", "/t/demo/shopify/webhooks", h1, NULL);
    http_router_add(r, "*", "/t/demo/shopify/acp/*", h1, NULL);
    http_router_add(r, "POST", "/t/demo/tiktok/webhooks", h1, NULL);
    http_router_add(r, "GET", "/t/demo/*", h1, NULL);
    assert_int_equal(http_router_remove_under(r, "/t/demo/shopify/"), 2);
    assert_int_equal(http_router_count(r), 2);
    assert_int_equal(look(r, "POST", "/t/demo/shopify/webhooks", &m), HTTP_ROUTE_METHOD_NOT_ALLOWED);
    assert_int_equal(look(r, "POST", "/t/demo/tiktok/webhooks", &m), HTTP_ROUTE_FOUND);
    assert_int_equal(look(r, "GET", "/t/demo/shopify/acp/x", &m), HTTP_ROUTE_FOUND);
    assert_int_equal(http_router_remove(r, "GET", "/t/demo/*"), 0);
    assert_int_equal(look(r, "GET", "/t/demo/shopify/acp/x", &m), HTTP_ROUTE_NOT_FOUND);
    http_router_free(r);
}

static void test_many_routes(void **state)
{
    (void)state;
    struct http_router *r = http_router_new();
    struct http_route_match m;
    char p[64];
    /* insert in a scrambled order; every one is found afterwards */
    for (int i = 0; i < 1000; i++) {
        int k = (i * 7919) % 1000;
        snprintf(p, sizeof p, "/t/tenant%d/ch/%s", k, k % 2 ? "*" : "hook");
        assert_int_equal(http_router_add(r, "POST", p, h1, (void *)(intptr_t)(k + 1)), 0);
    }
    for (int k = 0; k < 1000; k++) {
        snprintf(p, sizeof p, "/t/tenant%d/ch/%s", k, k % 2 ? "deep/er" : "hook");
        assert_int_equal(look(r, "POST", p, &m), HTTP_ROUTE_FOUND);
        assert_int_equal((intptr_t)m.arg, k + 1);
    }
    assert_int_equal(look(r, "POST", "/t/tenant0/ch/other", &m), HTTP_ROUTE_NOT_FOUND);
    http_router_free(r);
}

static void test_ratelimit_buckets(void **state)
{
    (void)state;
    struct http_ratelimit *rl = http_ratelimit_new(2.0, 3, 4); /* 2/s, burst 3, 4 keys */
    uint64_t wait = 0, t = 1000000;
    for (int i = 0; i < 3; i++) assert_int_equal(http_ratelimit_take(rl, "a", t, &wait), 1);
    assert_int_equal(http_ratelimit_take(rl, "a", t, &wait), 0);
    assert_int_equal(wait, 500); /* one token per 500 ms */
    assert_int_equal(http_ratelimit_take(rl, "b", t, &wait), 1); /* independent keys */
    assert_int_equal(http_ratelimit_take(rl, "a", t + 499, &wait), 0);
    assert_int_equal(wait, 1);
    assert_int_equal(http_ratelimit_take(rl, "a", t + 500, &wait), 1);
    /* refill caps at the burst */
    t += 100000;
    for (int i = 0; i < 3; i++) assert_int_equal(http_ratelimit_take(rl, "a", t, &wait), 1);
    assert_int_equal(http_ratelimit_take(rl, "a", t, &wait), 0);
    /* the table is bounded: full buckets are swept, busy ones kept */
    for (int i = 0; i < 3; i++) http_ratelimit_take(rl, "b", t, &wait);
    assert_int_equal(http_ratelimit_size(rl), 2);
    http_ratelimit_take(rl, "c", t, &wait);
    http_ratelimit_take(rl, "d", t, &wait);
    assert_int_equal(http_ratelimit_size(rl), 4);
    assert_int_equal(http_ratelimit_take(rl, "e", t, &wait), 1); /* full of busy keys: fail open */
    assert_int_equal(http_ratelimit_size(rl), 4);
    t += 5000; /* everything refilled */
    assert_int_equal(http_ratelimit_take(rl, "f", t, &wait), 1);
    assert_int_equal(http_ratelimit_size(rl), 1);
    http_ratelimit_free(rl);
}

static void test_percent_decode(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(http_percent_decode("/a%20b%2fc", 10, out, 0), 6);
    assert_string_equal(out, "/a b/c");
    assert_int_equal(http_percent_decode("a+b", 3, out, 0), 3);
    assert_string_equal(out, "a+b");
    assert_int_equal(http_percent_decode("a+b%2B", 6, out, 1), 4);
    assert_string_equal(out, "a b+");
    assert_int_equal(http_percent_decode("%", 1, out, 0), -1);
    assert_int_equal(http_percent_decode("%4", 2, out, 0), -1);
    assert_int_equal(http_percent_decode("%4g", 3, out, 0), -1);
    assert_int_equal(http_percent_decode("a%00", 4, out, 0), -1);
    assert_int_equal(http_percent_decode("%C3%A9", 6, out, 0), 2);
    assert_string_equal(out, "\xc3\xa9");
    assert_int_equal(http_percent_decode("", 0, out, 0), 0);
    assert_string_equal(out, "");
    assert_string_equal(http_status_reason(431), "Request Header Fields Too Large");
    assert_string_equal(http_status_reason(299), "");
}

static void test_limits_defaults(void **state)
{
    (void)state;
    struct http_limits l;
    http_limits_default(&l);
    assert_int_equal(l.max_header_bytes, 16384);
    assert_int_equal(l.max_body_bytes, 1048576);
    assert_int_equal(l.header_timeout_ms, 10000);
    assert_true(l.max_connections > 0);
    assert_true(l.rate_per_sec == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_prefix_and_precedence),
        cmocka_unit_test(test_405_allow_and_head),
        cmocka_unit_test(test_add_remove_errors),
        cmocka_unit_test(test_many_routes),
        cmocka_unit_test(test_ratelimit_buckets),
        cmocka_unit_test(test_percent_decode),
        cmocka_unit_test(test_limits_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
