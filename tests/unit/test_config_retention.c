/* test_config_retention.c - the retention keys of [tenant]
 * (idempotency_retention, inbox_retention, housekeeping_interval): their
 * defaults, durations in days, 0 = keep forever, and errors naming the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "config/config.h"

#define DAY_MS INT64_C(86400000)

/* A config dir with hub.conf and one tenant file per (name, body) pair. */
static char *conf_dir(const char *const *files)
{
    char tmpl[] = "/tmp/hub-conf-test-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    dir = xstrdup(dir);
    char *hub = xasprintf("%s/hub.conf", dir);
    FILE *f = fopen(hub, "w");
    assert_non_null(f);
    fputs("[hub]\n", f);
    fclose(f);
    free(hub);
    for (size_t i = 0; files[i]; i += 2) {
        char *p = xasprintf("%s/%s.conf", dir, files[i]);
        f = fopen(p, "w");
        assert_non_null(f);
        fputs(files[i + 1], f);
        fclose(f);
        free(p);
    }
    return dir;
}

static void rm_dir(char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(dir);
}

static void test_durations_in_days(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_int_equal(parse_duration_ms("7d", &v), 0);
    assert_int_equal(v, 7 * DAY_MS);
    assert_int_equal(parse_duration_ms("30d", &v), 0);
    assert_int_equal(v, 30 * DAY_MS);
    assert_int_equal(parse_duration_ms("3650d", &v), 0);
    assert_int_equal(v, 3650 * DAY_MS);
    assert_int_equal(parse_duration_ms("48h", &v), 0);
    assert_int_equal(v, 2 * DAY_MS);
    assert_int_equal(parse_duration_ms("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(parse_duration_ms("1s", &v), 0);
    assert_int_equal(v, 1000);
    assert_int_equal(parse_duration_ms("7 d", &v), -1);
    assert_int_equal(parse_duration_ms("7days", &v), -1);
    assert_int_equal(parse_duration_ms("-1d", &v), -1);
    assert_int_equal(parse_duration_ms("d", &v), -1);
    assert_int_equal(parse_duration_ms("99999999999999999d", &v), -1); /* overflows */
}

static void test_defaults_and_values(void **state)
{
    (void)state;
    const char *const files[] = {
        "plain", "[tenant]\ncurrency = EUR\n",
        "tuned", "[tenant]\nidempotency_retention = 2d\ninbox_retention = 0\n"
                 "housekeeping_interval = 30s\n",
        "tiny", "[tenant]\nidempotency_retention = 1s\ninbox_retention = 1500ms\n"
                "housekeeping_interval = 1s\n",
        NULL,
    };
    char *dir = conf_dir(files);
    struct hub_config *cfg = NULL;
    struct config_errors errs = {0};
    int rc = config_load(dir, &cfg, &errs);
    for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "unexpected: %s\n", errs.items[i]);
    assert_int_equal(rc, 0);
    config_errors_free(&errs);
    const struct tenant_config *t = config_tenant(cfg, "plain");
    assert_int_equal(t->idempotency_retention_ms, 7 * DAY_MS);
    assert_int_equal(t->inbox_retention_ms, 30 * DAY_MS);
    assert_int_equal(t->housekeeping_interval_ms, 10 * 60000);
    t = config_tenant(cfg, "tuned");
    assert_int_equal(t->idempotency_retention_ms, 2 * DAY_MS);
    assert_int_equal(t->inbox_retention_ms, 0); /* keep forever */
    assert_int_equal(t->housekeeping_interval_ms, 30000);
    t = config_tenant(cfg, "tiny");
    assert_int_equal(t->idempotency_retention_ms, 1000);
    assert_int_equal(t->inbox_retention_ms, 1500);
    assert_int_equal(t->housekeeping_interval_ms, 1000);
    config_free(cfg);
    rm_dir(dir);
}

static void test_errors_name_the_key(void **state)
{
    (void)state;
    const char *const files[] = {
        "demo", "[tenant]\nidempotency_retention = 7 days\ninbox_retention = 4000d\n"
                "housekeeping_interval = 0\n",
        NULL,
    };
    char *dir = conf_dir(files);
    struct hub_config *cfg = NULL;
    struct config_errors errs = {0};
    assert_int_equal(config_load(dir, &cfg, &errs), -1);
    assert_null(cfg);
    assert_int_equal(errs.n, 3);
    char *want = xasprintf("%s/demo.conf:2: 'idempotency_retention' must be a duration like 250ms, "
                           "30s, 5m, 2h or 1d, not '7 days'", dir);
    assert_string_equal(errs.items[0], want);
    free(want);
    assert_non_null(strstr(errs.items[1], "demo.conf:3: 'inbox_retention' must be between"));
    assert_non_null(strstr(errs.items[1], "3650d, not '4000d'"));
    assert_non_null(strstr(errs.items[2], "demo.conf:4: 'housekeeping_interval' must be between 1s and 1d, not '0'"));
    config_errors_free(&errs);
    rm_dir(dir);
}

int main(void)
{
    unsetenv("HUB_DATA_DIR");
    unsetenv("HUB_PLUGIN_DIR");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations_in_days),
        cmocka_unit_test(test_defaults_and_values),
        cmocka_unit_test(test_errors_name_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
