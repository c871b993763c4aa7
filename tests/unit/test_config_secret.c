/* test_config_secret.c - secrets by reference: env:NAME and file:/path,
 * and no error message ever carries a secret. */
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

#define SECRET "s3cr3t-Value-9f8e7d"

static char tmpdir[] = "/tmp/hub-secret-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static char *write_tmp(const char *name, const char *content)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    assert_int_equal(write_file_atomic(path, content, strlen(content)), 0);
    return path;
}

static void test_ref_syntax(void **state)
{
    (void)state;
    assert_int_equal(secret_ref_valid("env:SHOPIFY_TOKEN"), 1);
    assert_int_equal(secret_ref_valid("env:_X1"), 1);
    assert_int_equal(secret_ref_valid("file:/run/secrets/token"), 1);
    assert_int_equal(secret_ref_valid("env:"), 0);
    assert_int_equal(secret_ref_valid("env:lower"), 0);
    assert_int_equal(secret_ref_valid("env:1ABC"), 0);
    assert_int_equal(secret_ref_valid("env:A-B"), 0);
    assert_int_equal(secret_ref_valid("file:relative/path"), 0);
    assert_int_equal(secret_ref_valid("file:/"), 0);
    assert_int_equal(secret_ref_valid("file:"), 0);
    assert_int_equal(secret_ref_valid("ENV:TOKEN"), 0);
    assert_int_equal(secret_ref_valid(SECRET), 0);
    assert_int_equal(secret_ref_valid(""), 0);
    assert_int_equal(secret_ref_valid(NULL), 0);
}

static void test_env(void **state)
{
    (void)state;
    char err[256];
    setenv("HUB_TEST_SECRET", SECRET, 1);
    char *v = secret_resolve("env:HUB_TEST_SECRET", err, sizeof err);
    assert_non_null(v);
    assert_string_equal(v, SECRET);
    free(v);
    unsetenv("HUB_TEST_SECRET");
}

static void test_env_missing(void **state)
{
    (void)state;
    char err[256];
    unsetenv("HUB_TEST_MISSING");
    assert_null(secret_resolve("env:HUB_TEST_MISSING", err, sizeof err));
    assert_string_equal(err, "environment variable HUB_TEST_MISSING is not set");
    setenv("HUB_TEST_EMPTY", "", 1);
    assert_null(secret_resolve("env:HUB_TEST_EMPTY", err, sizeof err));
    assert_string_equal(err, "environment variable HUB_TEST_EMPTY is empty");
    unsetenv("HUB_TEST_EMPTY");
}

static void test_file(void **state)
{
    (void)state;
    char err[256];
    char *p1 = write_tmp("one", SECRET "\n"); /* one trailing newline is cut */
    char *p2 = write_tmp("two", SECRET "\n\n"); /* only one */
    char *p3 = write_tmp("crlf", SECRET "\r\n");
    char *p4 = write_tmp("bare", SECRET);
    char *ref;
    char *v;

    ref = xasprintf("file:%s", p1);
    v = secret_resolve(ref, err, sizeof err);
    assert_string_equal(v, SECRET);
    free(v), free(ref);

    ref = xasprintf("file:%s", p2);
    v = secret_resolve(ref, err, sizeof err);
    assert_string_equal(v, SECRET "\n");
    free(v), free(ref);

    ref = xasprintf("file:%s", p3);
    v = secret_resolve(ref, err, sizeof err);
    assert_string_equal(v, SECRET);
    free(v), free(ref);

    ref = xasprintf("file:%s", p4);
    v = secret_resolve(ref, err, sizeof err);
    assert_string_equal(v, SECRET);
    free(v), free(ref);
    free(p1), free(p2), free(p3), free(p4);
}

static void test_file_unreadable(void **state)
{
    (void)state;
    char err[512];
    char *ref = xasprintf("file:%s/absent", tmpdir);
    assert_null(secret_resolve(ref, err, sizeof err));
    char *want = xasprintf("cannot read secret file %s/absent: No such file or directory", tmpdir);
    assert_string_equal(err, want);
    free(want), free(ref);

    ref = xasprintf("file:%s", tmpdir); /* a directory */
    assert_null(secret_resolve(ref, err, sizeof err));
    want = xasprintf("cannot read secret file %s: is a directory", tmpdir);
    assert_string_equal(err, want);
    free(want), free(ref);

    char *empty = write_tmp("empty", "\n");
    ref = xasprintf("file:%s", empty);
    assert_null(secret_resolve(ref, err, sizeof err));
    want = xasprintf("secret file %s is empty", empty);
    assert_string_equal(err, want);
    free(want), free(ref), free(empty);

    if (geteuid() != 0) { /* root reads mode-000 files */
        char *locked = write_tmp("locked", SECRET);
        assert_int_equal(chmod(locked, 0), 0);
        ref = xasprintf("file:%s", locked);
        assert_null(secret_resolve(ref, err, sizeof err));
        assert_non_null(strstr(err, "Permission denied"));
        assert_null(strstr(err, SECRET));
        free(ref), free(locked);
    }
}

/* A literal is refused, and neither secret_resolve's error nor a config
 * error quotes it. */
static void test_literal_refused(void **state)
{
    (void)state;
    char err[512];
    assert_null(secret_resolve(SECRET, err, sizeof err));
    assert_string_equal(err, "not a secret reference (expected env:NAME or file:/absolute/path)");
    assert_null(strstr(err, SECRET));
    assert_null(secret_resolve("", err, sizeof err));
    assert_true(strlen(err) > 0);

    const struct hub_config_entry e = {.key = "token", .type = HUB_CFG_SECRET};
    const char *bad[] = {SECRET, "env:" SECRET, "file:" SECRET, "env:lower-" SECRET};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[512] = "";
        assert_int_equal(config_value_check(&e, bad[i], why, sizeof why), -1);
        assert_true(strlen(why) > 0);
        assert_null(strstr(why, SECRET));
    }
}

/* Errors for a secret-looking channel key in a config file do not echo it. */
static void test_config_file_does_not_echo(void **state)
{
    (void)state;
    char *dir = xasprintf("%s/conf", tmpdir);
    assert_int_equal(mkdir_p(dir, 0700), 0);
    char *hub = xasprintf("%s/hub.conf", dir);
    char *ten = xasprintf("%s/t1.conf", dir);
    const char *body = "[tenant]\n[channel c]\nclient_secret = " SECRET "\npassword = env:" SECRET "\n";
    assert_int_equal(write_file_atomic(hub, "[hub]\n", 6), 0);
    assert_int_equal(write_file_atomic(ten, body, strlen(body)), 0);
    struct hub_config *cfg = NULL;
    struct config_errors errs = {0};
    assert_int_equal(config_load(dir, &cfg, &errs), -1);
    assert_int_equal(errs.n, 2);
    char *want = xasprintf("%s:3: 'client_secret' must be a reference (env:NAME or file:/path), "
                           "not a literal value", ten);
    assert_string_equal(errs.items[0], want);
    for (size_t i = 0; i < errs.n; i++) assert_null(strstr(errs.items[i], SECRET));
    config_errors_free(&errs);
    free(want), free(hub), free(ten), free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_syntax),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_env_missing),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_file_unreadable),
        cmocka_unit_test(test_literal_refused),
        cmocka_unit_test(test_config_file_does_not_echo),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
