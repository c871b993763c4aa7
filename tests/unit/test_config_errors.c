/* test_config_errors.c - every bad config gives exactly the expected
 * "file:line: reason" lines, all of them, and no config. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "config/config.h"

#define FX "tests/unit/config_fixtures/"

/* Load `dir`; it must fail, leave no config, and give exactly `n` errors
 * equal to the expected strings, in order. */
static void expect_errors(const char *dir, size_t n, ...)
{
    struct hub_config *cfg = (struct hub_config *)(uintptr_t)1;
    struct config_errors errs = {0};
    int rc = config_load(dir, &cfg, &errs);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n && i < errs.n; i++) {
        const char *want = va_arg(ap, const char *);
        if (strcmp(want, errs.items[i]) != 0)
            fail_msg("error %zu of %s:\n  got  %s\n  want %s", i, dir, errs.items[i], want);
    }
    va_end(ap);
    if (errs.n != n) {
        for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "  got: %s\n", errs.items[i]);
        fail_msg("%s: %zu errors, expected %zu", dir, errs.n, n);
    }
    assert_int_equal(rc, -1);
    assert_null(cfg);
    config_errors_free(&errs);
}

static void test_unknown_key(void **state)
{
    (void)state;
    expect_errors(FX "unknown_key", 1,
                  FX "unknown_key/demo.conf:7: unknown key 'bufer' in [tenant] (did you mean 'buffer'?)");
}

static void test_bad_int(void **state)
{
    (void)state;
    expect_errors(FX "bad_int", 1, FX "bad_int/demo.conf:2: 'map_size_mb' must be an integer, not 'lots'");
}

static void test_negative_buffer(void **state)
{
    (void)state;
    expect_errors(FX "negative_buffer", 1,
                  FX "negative_buffer/demo.conf:3: 'buffer' must be >= 0, not '-1'");
}

static void test_bad_duration(void **state)
{
    (void)state;
    expect_errors(FX "bad_duration", 1,
                  FX "bad_duration/demo.conf:2: 'hold_ttl' must be a duration like 250ms, 30s, 5m, "
                     "2h or 1d, not '15 minutes'");
}

static void test_bad_enum(void **state)
{
    (void)state;
    expect_errors(FX "bad_enum", 1,
                  FX "bad_enum/demo.conf:4: 'mode' must be one of live|dry-run|paused, not 'dryrun' "
                     "(did you mean 'dry-run'?)");
}

static void test_bad_currency(void **state)
{
    (void)state;
    expect_errors(FX "bad_currency", 1,
                  FX "bad_currency/demo.conf:2: 'currency' must be an ISO 4217 currency code such as "
                     "EUR or USD, not 'EURO' (did you mean 'EUR'?)");
}

static void test_literal_secret(void **state)
{
    (void)state;
    expect_errors(FX "literal_secret", 1,
                  FX "literal_secret/demo.conf:12: 'access_token' must be a reference (env:NAME or "
                     "file:/path), not a literal value");
    /* and the message never carries the value */
    struct hub_config *cfg = NULL;
    struct config_errors errs = {0};
    assert_int_equal(config_load(FX "literal_secret", &cfg, &errs), -1);
    for (size_t i = 0; i < errs.n; i++) assert_null(strstr(errs.items[i], "shpat_"));
    config_errors_free(&errs);
}

static void test_unknown_section(void **state)
{
    (void)state;
    expect_errors(FX "unknown_section", 1,
                  FX "unknown_section/demo.conf:1: unknown section [tenat] (expected [tenant] or "
                     "[channel <name>]) (did you mean 'tenant'?)");
}

static void test_duplicate_channel(void **state)
{
    (void)state;
    expect_errors(FX "duplicate_channel", 1,
                  FX "duplicate_channel/demo.conf:6: duplicate section [channel shopify] (first on line 3)");
}

static void test_duplicate_tenant(void **state)
{
    (void)state;
    expect_errors(FX "duplicate_tenant", 1,
                  FX "duplicate_tenant/other.conf:2: tenant name 'demo' is already used by "
                  FX "duplicate_tenant/demo.conf (the name must match this file's name 'other')");
}

static void test_name_mismatch(void **state)
{
    (void)state;
    expect_errors(FX "name_mismatch", 1,
                  FX "name_mismatch/shop.conf:2: name 'store' must match the file name 'shop' "
                     "(rename the file to store.conf or remove the line)");
}

static void test_bad_file_name(void **state)
{
    (void)state;
    expect_errors(FX "bad_file_name", 1,
                  FX "bad_file_name/Demo Shop.conf: file name 'Demo Shop' is not a valid tenant name: "
                     "use a-z, 0-9, _ and - (1 to 63 characters, starting with a letter or digit)");
}

static void test_missing_hub(void **state)
{
    (void)state;
    expect_errors(FX "missing_hub", 1,
                  FX "missing_hub/hub.conf: cannot read: No such file or directory (hub.conf is "
                     "required: it may hold just a [hub] line)");
}

static void test_missing_dir(void **state)
{
    (void)state;
    expect_errors(FX "no_such_dir", 1,
                  FX "no_such_dir: cannot open the config directory: No such file or directory");
}

static void test_bad_hub(void **state)
{
    (void)state;
    expect_errors(FX "bad_hub", 7,
                  FX "bad_hub/hub.conf:2: 'listen' must be host:port with a port from 1 to 65535 "
                     "(for example 127.0.0.1:8080), not 'localhost'",
                  FX "bad_hub/hub.conf:3: 'log_level' must be one of error|warn|info|debug, not 'verbose'",
                  FX "bad_hub/hub.conf:4: 'lua_memory' must be a size like 512KiB, 32MiB or 1GiB "
                     "(a bare number is KiB), not '32 megs'",
                  FX "bad_hub/hub.conf:5: 'group_commit_max' must be between 1 and 1000000, not '0'",
                  FX "bad_hub/hub.conf:6: unknown key 'allocation' in [hub] ('allocation' is a [tenant] key)",
                  FX "bad_hub/hub.conf:8: duplicate key 'log_format' in [hub] (first set on line 7)",
                  FX "bad_hub/hub.conf:9: [tenant] belongs in a tenant file (<tenant>.conf), not in hub.conf");
}

/* A key in the wrong section says where it belongs; in a channel section any
 * other key is the plugin's (currency here), so it is not an error yet. */
static void test_misplaced(void **state)
{
    (void)state;
    expect_errors(FX "misplaced", 2,
                  FX "misplaced/demo.conf:2: unknown key 'listen' in [tenant] ('listen' is a [hub] "
                     "key: set it in hub.conf)",
                  FX "misplaced/demo.conf:3: unknown key 'mode' in [tenant] ('mode' is a "
                     "[channel <name>] key)");
}

static void test_syntax(void **state)
{
    (void)state;
    expect_errors(FX "syntax", 9,
                  FX "syntax/demo.conf:1: 'stray' is outside any section (start with [tenant])",
                  FX "syntax/demo.conf:2: section header is missing its closing ']'",
                  FX "syntax/demo.conf:4: expected 'key = value', a [section] or a comment",
                  FX "syntax/demo.conf:5: missing key before '='",
                  FX "syntax/demo.conf:7: duplicate key 'buffer' in [tenant] (first set on line 6)",
                  FX "syntax/demo.conf:8: line is longer than 199 characters",
                  FX "syntax/demo.conf:9: [channel] needs a name, like [channel shopify]",
                  FX "syntax/demo.conf:10: channel name must use only a-z, 0-9, _ and - (1 to 63 "
                     "characters, starting with a letter or digit), not 'Bad!'",
                  FX "syntax/demo.conf:13: expected 'key = value' (':' does not separate a key from "
                     "its value here)");
}

static void test_many_errors_collected(void **state)
{
    (void)state;
    expect_errors(FX "many_errors", 7,
                  FX "many_errors/hub.conf:2: 'log_level' must be one of error|warn|info|debug, not 'loud'",
                  FX "many_errors/alpha.conf:2: 'currency' must be an ISO 4217 currency code such as "
                     "EUR or USD, not 'XYZ'",
                  FX "many_errors/alpha.conf:3: 'buffer' must be >= 0, not '-3'",
                  FX "many_errors/beta.conf:2: 'hold_ttl' must be a duration like 250ms, 30s, 5m, "
                     "2h or 1d, not 'soon'",
                  FX "many_errors/beta.conf:4: 'mode' must be one of live|dry-run|paused, not 'on'",
                  FX "many_errors/beta.conf:5: 'app_secret' must be a reference (env:NAME or "
                     "file:/path), not a literal value",
                  FX "many_errors/beta.conf:6: unknown section [wrong] (expected [tenant] or "
                     "[channel <name>])");
}

/* Unreadable tenant files, made at run time (a dangling symlink, a
 * directory named like a file, and a mode-000 file when not root). */
static void test_unreadable(void **state)
{
    (void)state;
    char dir[] = "/tmp/hub-config-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *hub = xasprintf("%s/hub.conf", dir);
    assert_int_equal(write_file_atomic(hub, "[hub]\n", 6), 0);
    char *ghost = xasprintf("%s/ghost.conf", dir);
    assert_int_equal(symlink("/nonexistent/hub-test/ghost.conf", ghost), 0);
    char *folder = xasprintf("%s/folder.conf", dir);
    assert_int_equal(mkdir(folder, 0700), 0);
    char *locked = xasprintf("%s/locked.conf", dir);
    assert_int_equal(write_file_atomic(locked, "[tenant]\n", 9), 0);
    assert_int_equal(chmod(locked, 0), 0);

    char *e1 = xasprintf("%s: cannot read: Is a directory", folder);
    char *e2 = xasprintf("%s: cannot read: No such file or directory", ghost);
    char *e3 = xasprintf("%s: cannot read: Permission denied", locked);
    if (geteuid() == 0) expect_errors(dir, 2, e1, e2); /* root reads mode 000 files */
    else expect_errors(dir, 3, e1, e2, e3);

    /* hub.conf itself unreadable */
    assert_int_equal(unlink(hub), 0);
    assert_int_equal(mkdir(hub, 0700), 0);
    char *e0 = xasprintf("%s: cannot read: Is a directory (hub.conf is required: it may hold just "
                         "a [hub] line)", hub);
    if (geteuid() == 0) expect_errors(dir, 3, e0, e1, e2);
    else expect_errors(dir, 4, e0, e1, e2, e3);

    rmdir(hub);
    rmdir(folder);
    unlink(ghost);
    unlink(locked);
    rmdir(dir);
    free(e0), free(e1), free(e2), free(e3);
    free(hub), free(ghost), free(folder), free(locked);
}

/* An error in one file does not hide a good neighbour's errors, and the
 * caller's earlier errors are kept (only new ones decide the result). */
static void test_errors_appended(void **state)
{
    (void)state;
    struct config_errors errs = {0};
    config_errors_add(&errs, "earlier.conf", 3, "from %s", "before");
    config_errors_add(&errs, "x.conf", 0, "no line");
    config_errors_add(&errs, NULL, 0, "bare");
    assert_string_equal(errs.items[0], "earlier.conf:3: from before");
    assert_string_equal(errs.items[1], "x.conf: no line");
    assert_string_equal(errs.items[2], "bare");
    struct hub_config *cfg = NULL;
    assert_int_equal(config_load(FX "bad_int", &cfg, &errs), -1);
    assert_int_equal(errs.n, 4);
    assert_string_equal(errs.items[0], "earlier.conf:3: from before");
    config_errors_free(&errs);
    assert_int_equal(errs.n, 0);
    assert_null(errs.items);
    /* no error list wanted, no config wanted: only the verdict */
    assert_int_equal(config_load(FX "bad_int", NULL, NULL), -1);
    assert_int_equal(config_load(FX "minimal", NULL, NULL), 0);
}

int main(void)
{
    const char *src = getenv("HUB_SRC_DIR");
    if (src && chdir(src) != 0) {
        perror(src);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_key),       cmocka_unit_test(test_bad_int),
        cmocka_unit_test(test_negative_buffer),   cmocka_unit_test(test_bad_duration),
        cmocka_unit_test(test_bad_enum),          cmocka_unit_test(test_bad_currency),
        cmocka_unit_test(test_literal_secret),    cmocka_unit_test(test_unknown_section),
        cmocka_unit_test(test_duplicate_channel), cmocka_unit_test(test_duplicate_tenant),
        cmocka_unit_test(test_name_mismatch),     cmocka_unit_test(test_bad_file_name),
        cmocka_unit_test(test_missing_hub),       cmocka_unit_test(test_missing_dir),
        cmocka_unit_test(test_bad_hub),           cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_misplaced),
        cmocka_unit_test(test_many_errors_collected), cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_errors_appended),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
