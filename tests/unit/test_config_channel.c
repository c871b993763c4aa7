/* test_config_channel.c - plugin settings checked against a config map
 * (every type), effective values with defaults, and the map's docs. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"

#define FX "tests/unit/config_fixtures/"
#define SHOP FX "plugin_settings/shop.conf"

static const struct hub_config_entry sample_map[] = {
    {.key = "shop", .type = HUB_CFG_STRING, .flags = HUB_CFG_REQUIRED, .description = "shop domain"},
    {.key = "count", .type = HUB_CFG_INT, .default_value = "1", .min = 1, .max = 100,
     .description = "items per call"},
    {.key = "verbose", .type = HUB_CFG_BOOL, .default_value = "false", .description = "chatty"},
    {.key = "color", .type = HUB_CFG_ENUM, .default_value = "red", .choices = "red|green|blue",
     .description = "a colour"},
    {.key = "api_key", .type = HUB_CFG_SECRET, .description = "credential"},
    {.key = "timeout", .type = HUB_CFG_DURATION, .default_value = "10s", .description = "per call"},
    {.key = "endpoint", .type = HUB_CFG_URL, .default_value = "https://api.example.com",
     .description = "base URL"},
    {.key = "retries", .type = HUB_CFG_INT, .default_value = "3", .min = 0, .max = INT64_MAX,
     .description = "attempts"},
    {.key = "wait", .type = HUB_CFG_DURATION, .min = 1000, .max = 3600000, .description = "pause"},
    {.key = "note", .type = HUB_CFG_STRING, .description = "free text"},
    {.key = NULL},
};

static struct hub_config *cfg;
static const struct tenant_config *shop;

static int setup(void **state)
{
    (void)state;
    struct config_errors errs = {0};
    int rc = config_load(FX "plugin_settings", &cfg, &errs);
    for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "%s\n", errs.items[i]);
    config_errors_free(&errs);
    shop = rc == 0 ? config_tenant(cfg, "shop") : NULL;
    return shop ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    config_free(cfg);
    return 0;
}

static void test_good_channel(void **state)
{
    (void)state;
    struct config_errors errs = {0};
    const struct channel_config *ch = config_channel(shop, "good");
    assert_int_equal(config_validate_channel(ch, sample_map, &errs), 0);
    assert_int_equal(errs.n, 0);
    assert_string_equal(config_channel_get(ch, sample_map, "shop"), "demo.myshopify.com");
    assert_string_equal(config_channel_get(ch, sample_map, "count"), "7");
    assert_string_equal(config_channel_get(ch, sample_map, "retries"), "3"); /* map default */
    assert_string_equal(config_channel_get(ch, sample_map, "endpoint"), "https://api.example.com/v1");
    assert_null(config_channel_get(ch, sample_map, "note")); /* neither set nor defaulted */
    assert_null(config_channel_get(ch, sample_map, "nonexistent"));
    assert_null(config_channel_get(ch, NULL, "retries"));
    assert_string_equal(config_channel_get(ch, NULL, "shop"), "demo.myshopify.com");
}

static void test_bad_channel(void **state)
{
    (void)state;
    static const char *const want[] = {
        SHOP ":15: 'count' must be between 1 and 100, not '700'",
        SHOP ":16: 'verbose' must be true or false (yes/no, on/off, 1/0 also work), not 'maybe'",
        SHOP ":17: 'color' must be one of red|green|blue, not 'purple'",
        SHOP ":18: 'api_key' must be file: followed by an absolute path (file:/path)",
        SHOP ":19: 'timeout' must be a duration like 250ms, 30s, 5m, 2h or 1d, not 'soon'",
        SHOP ":20: 'endpoint' must be an http:// or https:// URL, not 'ftp://x'",
        SHOP ":21: unknown key 'colour' for plugin 'sample' in [channel bad] (did you mean 'color'?)",
        SHOP ":22: unknown key 'counts' for plugin 'sample' in [channel bad] (did you mean 'count'?)",
        SHOP ":23: 'retries' must be >= 0, not '-1'",
        SHOP ":24: 'wait' must be between 1s and 1h, not '10ms'",
        SHOP ":13: [channel bad] is missing required key 'shop': shop domain",
    };
    struct config_errors errs = {0};
    assert_int_equal(config_validate_channel(config_channel(shop, "bad"), sample_map, &errs), -1);
    for (size_t i = 0; i < errs.n && i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(errs.items[i], want[i]);
    assert_int_equal(errs.n, sizeof want / sizeof want[0]);
    config_errors_free(&errs);
}

static void test_missing_required(void **state)
{
    (void)state;
    struct config_errors errs = {0};
    const struct channel_config *ch = config_channel(shop, "minimal");
    assert_int_equal(config_validate_channel(ch, sample_map, &errs), -1);
    assert_int_equal(errs.n, 1);
    assert_string_equal(errs.items[0], SHOP ":26: [channel minimal] is missing required key 'shop': shop domain");
    config_errors_free(&errs);
    /* defaults still answer */
    assert_string_equal(config_channel_get(ch, sample_map, "color"), "red");
    assert_string_equal(config_channel_get(ch, sample_map, "timeout"), "10s");
}

/* A misspelt built-in key is kept as a plugin setting by the loader; the
 * check then suggests the built-in key. */
static void test_builtin_typo(void **state)
{
    (void)state;
    struct config_errors errs = {0};
    assert_int_equal(config_validate_channel(config_channel(shop, "typo"), sample_map, &errs), -1);
    assert_int_equal(errs.n, 1);
    assert_string_equal(errs.items[0], SHOP ":32: unknown key 'mdoe' for plugin 'sample' in "
                                            "[channel typo] (did you mean 'mode'?)");
    config_errors_free(&errs);
}

static void test_no_map(void **state)
{
    (void)state;
    struct config_errors errs = {0};
    assert_int_equal(config_validate_channel(config_channel(shop, "minimal"), NULL, &errs), 0);
    assert_int_equal(config_validate_channel(config_channel(shop, "good"), NULL, &errs), -1);
    assert_int_equal(errs.n, 7);
    assert_string_equal(errs.items[0], SHOP ":5: unknown key 'shop' in [channel good]: plugin "
                                            "'sample' takes no settings");
    config_errors_free(&errs);
}

static void test_value_types(void **state)
{
    (void)state;
    char why[256];
    int64_t v = 0;
    const struct hub_config_entry *count = config_map_find(sample_map, "count");
    assert_non_null(count);
    assert_null(config_map_find(sample_map, "COUNT"));
    assert_null(config_map_find(NULL, "count"));
    assert_int_equal(config_value_check(count, "1", why, sizeof why), 0);
    assert_int_equal(config_value_check(count, "100", why, sizeof why), 0);
    assert_int_equal(config_value_check(count, "0", why, sizeof why), -1);
    assert_int_equal(config_value_check(count, "101", why, sizeof why), -1);
    assert_int_equal(config_value_check(count, " 5", why, sizeof why), -1);
    assert_int_equal(config_value_check(count, "5x", why, sizeof why), -1);
    assert_int_equal(config_value_check(count, "", why, sizeof why), -1);
    assert_string_equal(why, "has an empty value (remove the line to use the default)");
    assert_int_equal(config_value_int(count, "42", &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(config_value_int(count, "420", &v), -1);

    const struct hub_config_entry *b = config_map_find(sample_map, "verbose");
    const char *yes[] = {"true", "yes", "on", "1", "TRUE"}, *no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(config_value_int(b, yes[i], &v), 0);
        assert_int_equal(v, 1);
    }
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(config_value_int(b, no[i], &v), 0);
        assert_int_equal(v, 0);
    }
    assert_int_equal(config_value_check(b, "2", why, sizeof why), -1);

    const struct hub_config_entry *en = config_map_find(sample_map, "color");
    assert_int_equal(config_value_int(en, "blue", &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(config_value_check(en, "Blue", why, sizeof why), -1);
    assert_string_equal(why, "must be one of red|green|blue, not 'Blue' (did you mean 'blue'?)");
    assert_int_equal(config_value_check(en, "re", why, sizeof why), -1);

    const struct hub_config_entry *d = config_map_find(sample_map, "timeout");
    assert_int_equal(config_value_int(d, "250ms", &v), 0);
    assert_int_equal(v, 250);
    assert_int_equal(config_value_int(d, "2h", &v), 0);
    assert_int_equal(v, 7200000);
    assert_int_equal(config_value_int(d, "45", &v), 0); /* bare: seconds */
    assert_int_equal(v, 45000);
    assert_int_equal(config_value_check(d, "-5s", why, sizeof why), -1);
    const struct hub_config_entry *w = config_map_find(sample_map, "wait");
    assert_int_equal(config_value_check(w, "1s", why, sizeof why), 0);
    assert_int_equal(config_value_check(w, "1h", why, sizeof why), 0);
    assert_int_equal(config_value_check(w, "61m", why, sizeof why), -1);
    assert_string_equal(why, "must be between 1s and 1h, not '61m'");

    const struct hub_config_entry *u = config_map_find(sample_map, "endpoint");
    assert_int_equal(config_value_check(u, "http://127.0.0.1:9000/x", why, sizeof why), 0);
    assert_int_equal(config_value_check(u, "HTTPS://Example.com", why, sizeof why), 0);
    assert_int_equal(config_value_check(u, "https://", why, sizeof why), -1);
    assert_int_equal(config_value_check(u, "https://a b", why, sizeof why), -1);
    assert_int_equal(config_value_check(u, "example.com", why, sizeof why), -1);

    const struct hub_config_entry *s = config_map_find(sample_map, "api_key");
    assert_int_equal(config_value_check(s, "env:KEY", why, sizeof why), 0);
    assert_int_equal(config_value_check(s, "file:/run/key", why, sizeof why), 0);
    assert_int_equal(config_value_check(s, "abc", why, sizeof why), -1);
    assert_string_equal(why, "must be a reference (env:NAME or file:/path), not a literal value");
    assert_int_equal(config_value_int(s, "env:KEY", &v), -1); /* not a number type */

    const struct hub_config_entry *str = config_map_find(sample_map, "note");
    assert_int_equal(config_value_check(str, "anything at all", why, sizeof why), 0);
}

static char *capture(void (*fn)(FILE *, const void *, int), const void *arg, int json)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    assert_non_null(f);
    fn(f, arg, json);
    fclose(f);
    return data;
}

static void print_map(FILE *f, const void *map, int json) { config_map_fprint(f, map, json); }

static void test_map_print(void **state)
{
    (void)state;
    char *text = capture(print_map, sample_map, 0);
    assert_non_null(strstr(text, "KEY"));
    assert_non_null(strstr(text, "DESCRIPTION"));
    for (const struct hub_config_entry *e = sample_map; e->key; e++) {
        assert_non_null(strstr(text, e->key));
        assert_non_null(strstr(text, e->description));
    }
    assert_non_null(strstr(text, "enum red|green|blue"));
    assert_non_null(strstr(text, "int 1..100"));
    assert_non_null(strstr(text, "duration 1s..1h"));
    assert_non_null(strstr(text, "(required)"));
    free(text);

    char *js = capture(print_map, sample_map, 1);
    json_error_t jerr;
    json_t *arr = json_loads(js, 0, &jerr);
    assert_non_null(arr);
    assert_int_equal(json_array_size(arr), 10);
    json_t *first = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(first, "key")), "shop");
    assert_true(json_is_true(json_object_get(first, "required")));
    assert_true(json_is_null(json_object_get(first, "default")));
    json_t *color = json_array_get(arr, 3);
    assert_string_equal(json_string_value(json_object_get(color, "type")), "enum");
    assert_int_equal(json_array_size(json_object_get(color, "choices")), 3);
    json_t *cnt = json_array_get(arr, 1);
    assert_int_equal(json_integer_value(json_object_get(cnt, "min")), 1);
    assert_int_equal(json_integer_value(json_object_get(cnt, "max")), 100);
    assert_string_equal(json_string_value(json_object_get(cnt, "default")), "1");
    json_decref(arr);
    free(js);

    char *none = capture(print_map, NULL, 0);
    assert_string_equal(none, "(no settings)\n");
    free(none);
}

int main(void)
{
    const char *src = getenv("HUB_SRC_DIR");
    if (src && chdir(src) != 0) {
        perror(src);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_channel),   cmocka_unit_test(test_bad_channel),
        cmocka_unit_test(test_missing_required), cmocka_unit_test(test_no_map),
        cmocka_unit_test(test_builtin_typo),
        cmocka_unit_test(test_value_types),    cmocka_unit_test(test_map_print),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
