/*
 * test_loader_check.c - the descriptor checks the loader runs after the ABI
 * header (plugin_check_descriptor and friends), fed in-memory descriptors:
 * every required callback, routes, limits, and each kind of bad config map.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
#include "plugin/loader.h"

static int cb_init(const struct hub_host *host, struct hub_instance *inst, void **ctx)
{
    (void)host;
    (void)inst;
    *ctx = NULL;
    return 0;
}
static void cb_destroy(void *ctx) { (void)ctx; }
static void cb_push(void *ctx, struct hub_batch *b, const struct hub_push_item *it, size_t n)
{
    (void)ctx;
    (void)b;
    (void)it;
    (void)n;
}
static void cb_poll(void *ctx, struct hub_task *t)
{
    (void)ctx;
    (void)t;
}
static void cb_reconcile(void *ctx, struct hub_task *t, const char *const *s, size_t n)
{
    (void)ctx;
    (void)t;
    (void)s;
    (void)n;
}
static void cb_route(void *ctx, struct hub_http_req *req)
{
    (void)ctx;
    (void)req;
}

/* A valid descriptor with every capability; tests break one thing at a time. */
static const struct hub_route good_routes[] = {
    {"POST", "webhooks", cb_route},
    {"*", "acp/*", cb_route},
    {NULL, NULL, NULL},
};

static struct hub_plugin full(void)
{
    struct hub_plugin d = {
        HUB_PLUGIN_HEADER,
        .name = "chan",
        .capabilities = HUB_CAP_STOCK_PUSH | HUB_CAP_CATALOG_PUSH | HUB_CAP_ORDER_WEBHOOK |
                        HUB_CAP_ORDER_POLL | HUB_CAP_ROUTES | HUB_CAP_RECONCILE |
                        HUB_CAP_FULFILLMENT,
        .limits = {.rate_per_sec = 2, .burst = 40, .batch_max = 50},
        .routes = good_routes,
        .init = cb_init,
        .push_batch = cb_push,
        .poll = cb_poll,
        .reconcile = cb_reconcile,
        .destroy = cb_destroy,
    };
    return d;
}

#define assert_contains(hay, needle)                                                     \
    do {                                                                                 \
        if (!strstr((hay), (needle)))                                                    \
            fail_msg("expected \"%s\" in \"%s\"", (needle), (hay));                      \
    } while (0)

static void refused(const struct hub_plugin *d, const char *needle)
{
    char err[512] = "";
    assert_int_equal(plugin_check_descriptor(d, "chan", err, sizeof err), -1);
    assert_true(strncmp(err, "plugin 'chan': ", 15) == 0);
    assert_contains(err, needle);
}

static void test_full_descriptor_accepted(void **state)
{
    (void)state;
    struct hub_plugin d = full();
    char err[256] = "";
    assert_int_equal(plugin_check_descriptor(&d, "chan", err, sizeof err), 0);
    assert_string_equal(err, "");
}

static void test_required_callbacks(void **state)
{
    (void)state;
    struct hub_plugin d = full();
    d.init = NULL;
    refused(&d, "missing required callback init");
    d = full();
    d.destroy = NULL;
    refused(&d, "missing required callback destroy");
    d = full();
    d.push_batch = NULL;
    refused(&d, "capability STOCK_PUSH needs the push_batch callback");
    d.capabilities &= ~(uint32_t)HUB_CAP_STOCK_PUSH;
    refused(&d, "capability CATALOG_PUSH needs the push_batch callback");
    d.capabilities &= ~(uint32_t)HUB_CAP_CATALOG_PUSH;
    refused(&d, "capability FULFILLMENT needs the push_batch callback");
    d = full();
    d.poll = NULL;
    refused(&d, "capability ORDER_POLL needs the poll callback");
    d = full();
    d.reconcile = NULL;
    refused(&d, "capability RECONCILE needs the reconcile callback");
}

static void test_callbacks_only_needed_for_capabilities(void **state)
{
    (void)state;
    struct hub_plugin d = full();
    d.capabilities = 0;
    d.routes = NULL;
    d.push_batch = NULL;
    d.poll = NULL;
    d.reconcile = NULL;
    char err[256];
    assert_int_equal(plugin_check_descriptor(&d, "chan", err, sizeof err), 0);
}

static void test_routes(void **state)
{
    (void)state;
    struct hub_plugin d = full();
    d.routes = NULL;
    refused(&d, "capability ROUTES needs a non-empty routes table");
    d.capabilities = HUB_CAP_ORDER_WEBHOOK;
    refused(&d, "capability ORDER_WEBHOOK needs a non-empty routes table");
    static const struct hub_route empty[] = {{NULL, NULL, NULL}};
    d.routes = empty;
    refused(&d, "capability ORDER_WEBHOOK needs a non-empty routes table");

    static const struct hub_route slash[] = {{"POST", "/webhooks", cb_route}, {NULL, NULL, NULL}};
    d = full();
    d.routes = slash;
    refused(&d, "has path \"/webhooks\"");
    static const struct hub_route star[] = {{"GET", "a*b", cb_route}, {NULL, NULL, NULL}};
    d.routes = star;
    refused(&d, "has path \"a*b\"");
    static const struct hub_route nohandle[] = {{"POST", "webhooks", NULL}, {NULL, NULL, NULL}};
    d.routes = nohandle;
    refused(&d, "route 'POST webhooks' has no handle callback");
    static const struct hub_route dup[] = {
        {"POST", "webhooks", cb_route}, {"GET", "webhooks", cb_route},
        {"POST", "webhooks", cb_route}, {NULL, NULL, NULL}};
    d.routes = dup;
    refused(&d, "route 'POST webhooks' is declared twice");
    static const struct hub_route method[] = {{"post", "webhooks", cb_route}, {NULL, NULL, NULL}};
    d.routes = method;
    refused(&d, "has method \"post\"");
}

static void test_name(void **state)
{
    (void)state;
    struct hub_plugin d = full();
    d.name = NULL;
    refused(&d, "descriptor has no name (it must equal the folder name 'chan')");
    d.name = "Chan";
    refused(&d, "names itself 'Chan'");
}

static void test_limits(void **state)
{
    (void)state;
    struct hub_plugin d = full();
    d.limits.rate_per_sec = -1;
    refused(&d, "limits.rate_per_sec is -1");
    d.limits.rate_per_sec = NAN;
    refused(&d, "limits.rate_per_sec");
    d.limits.rate_per_sec = INFINITY;
    refused(&d, "limits.rate_per_sec");

    struct hub_limits l = {.rate_per_sec = 50};
    plugin_normalise_limits(&l);
    assert_int_equal(l.burst, 50);
    assert_int_equal(l.batch_max, 1);
    assert_int_equal(l.in_flight, 1);
    assert_int_equal(l.timeout_ms, 30000);
    struct hub_limits k = {.rate_per_sec = 0.2, .burst = 0, .batch_max = 100, .in_flight = 4,
                           .timeout_ms = 5000};
    plugin_normalise_limits(&k);
    assert_int_equal(k.burst, 1); /* ceil(0.2) */
    assert_int_equal(k.batch_max, 100);
    assert_int_equal(k.in_flight, 4);
    assert_int_equal(k.timeout_ms, 5000);
    struct hub_limits none = {0};
    plugin_normalise_limits(&none);
    assert_true(none.rate_per_sec == 0); /* unlimited stays unlimited */
    assert_int_equal(none.burst, 0);
}

/* ------------------------------------------------------------------ config maps */

struct map_case {
    struct hub_config_entry entry; /* checked alone, after one valid entry */
    const char *needle;            /* NULL: accepted */
};

static const struct map_case map_cases[] = {
    {{.key = "shop", .type = HUB_CFG_STRING}, NULL},
    {{.key = "n", .type = HUB_CFG_INT, .default_value = "42"}, NULL},
    {{.key = "n", .type = HUB_CFG_INT, .default_value = "4x"},
     "config key 'n' default \"4x\" is not a valid INT"},
    {{.key = "n", .type = HUB_CFG_INT, .default_value = "0", .min = 1, .max = 10},
     "config key 'n' default \"0\" is not a valid INT in [1, 10]"},
    {{.key = "n", .type = HUB_CFG_INT, .default_value = "0", .min = 5, .max = 5}, NULL},
    {{.key = "on", .type = HUB_CFG_BOOL, .default_value = "yes"}, NULL},
    {{.key = "on", .type = HUB_CFG_BOOL, .default_value = "maybe"},
     "config key 'on' default \"maybe\" is not a valid BOOL"},
    {{.key = "m", .type = HUB_CFG_ENUM, .choices = "live|dry-run", .default_value = "live"}, NULL},
    {{.key = "m", .type = HUB_CFG_ENUM, .choices = "live|dry-run", .default_value = "paused"},
     "config key 'm' default \"paused\" is not one of \"live|dry-run\""},
    {{.key = "m", .type = HUB_CFG_ENUM}, "config key 'm' is an ENUM without choices"},
    {{.key = "m", .type = HUB_CFG_ENUM, .choices = ""}, "config key 'm' is an ENUM without choices"},
    {{.key = "m", .type = HUB_CFG_ENUM, .choices = "a||b"}, "config key 'm' has an empty choice"},
    {{.key = "m", .type = HUB_CFG_ENUM, .choices = "a|b|a"}, "lists choice 'a' twice"},
    {{.key = "t", .type = HUB_CFG_DURATION, .default_value = "30s"}, NULL},
    {{.key = "t", .type = HUB_CFG_DURATION, .default_value = "soon"},
     "config key 't' default \"soon\" is not a valid DURATION"},
    {{.key = "t", .type = HUB_CFG_DURATION, .default_value = "2h", .min = 1000, .max = 60000},
     "is not a valid DURATION in [1000, 60000]"},
    {{.key = "u", .type = HUB_CFG_URL, .default_value = "https://api.example.com"}, NULL},
    {{.key = "u", .type = HUB_CFG_URL, .default_value = "ftp://x"},
     "config key 'u' default \"ftp://x\" is not a valid URL"},
    {{.key = "s", .type = HUB_CFG_SECRET, .default_value = "env:SHOP_TOKEN"}, NULL},
    {{.key = "s", .type = HUB_CFG_SECRET, .default_value = "hunter2"},
     "is not a valid SECRET"},
    {{.key = "x", .type = (enum hub_config_type)42},
     "config key 'x' has type 42, which is not a HUB_CFG_* type"},
    {{.key = "x", .type = (enum hub_config_type)0}, "has type 0"},
    {{.key = "Bad-Key", .type = HUB_CFG_STRING}, "config key \"Bad-Key\" is not a valid key"},
    {{.key = "", .type = HUB_CFG_STRING}, "config key \"\" is not a valid key"},
    {{.key = "first", .type = HUB_CFG_STRING}, "config key 'first' appears twice"},
    {{.key = "mode", .type = HUB_CFG_STRING}, "config key 'mode' is a core channel setting"},
    {{.key = "poll_interval", .type = HUB_CFG_DURATION}, "is a core channel setting"},
};

static void test_config_maps(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(map_cases); i++) {
        struct hub_config_entry map[3] = {
            {.key = "first", .type = HUB_CFG_STRING},
            map_cases[i].entry,
            {.key = NULL},
        };
        char err[512] = "";
        int rc = plugin_check_config_map(map, "chan", err, sizeof err);
        if (!map_cases[i].needle) {
            if (rc != 0) fail_msg("case %zu refused: %s", i, err);
            continue;
        }
        if (rc != -1) fail_msg("case %zu (%s) accepted", i, map_cases[i].needle);
        if (!strstr(err, map_cases[i].needle) || strncmp(err, "plugin 'chan': ", 15) != 0)
            fail_msg("case %zu: expected \"%s\" in \"%s\"", i, map_cases[i].needle, err);
    }
    /* no map at all is fine; so is an empty one */
    char err[64];
    assert_int_equal(plugin_check_config_map(NULL, "chan", err, sizeof err), 0);
    struct hub_config_entry empty[] = {{.key = NULL}};
    assert_int_equal(plugin_check_config_map(empty, "chan", err, sizeof err), 0);
}

static void test_config_map_via_descriptor(void **state)
{
    (void)state;
    static const struct hub_config_entry map[] = {
        {.key = "region", .type = HUB_CFG_ENUM, .choices = "a|b", .default_value = "c"},
        {.key = NULL},
    };
    struct hub_plugin d = full();
    d.config = map;
    refused(&d, "config key 'region' default \"c\" is not one of \"a|b\"");
}

static void test_cap_names(void **state)
{
    (void)state;
    assert_string_equal(plugin_cap_name(HUB_CAP_RECONCILE), "RECONCILE");
    assert_string_equal(plugin_cap_name(HUB_CAP_ORDER_POLL), "ORDER_POLL");
    assert_string_equal(plugin_cap_name(1u << 30), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_descriptor_accepted),
        cmocka_unit_test(test_required_callbacks),
        cmocka_unit_test(test_callbacks_only_needed_for_capabilities),
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_name),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_config_maps),
        cmocka_unit_test(test_config_map_via_descriptor),
        cmocka_unit_test(test_cap_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
