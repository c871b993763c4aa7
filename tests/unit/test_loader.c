/*
 * test_loader.c - the plugin loader refuses each kind of broken plugin with a
 * message naming the plugin and the reason, accepts newer and older minors,
 * and shares one dlopen between users (refcounted).
 *
 * Fixtures: tests/fixtures/plugins/<x>.c built into
 * $HUB_BUILD_DIR/fixtures/plugins/<x>/<x>.so by the Makefile.
 */
#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "plugin/loader.h"

static char g_fixtures[PATH_MAX];
static char g_tmp[64];

/* $HUB_BUILD_DIR, else the directory above this binary's (build/tests/..). */
static void find_dirs(void)
{
    const char *b = getenv("HUB_BUILD_DIR");
    char build[PATH_MAX / 2];
    if (b && b[0]) {
        str_copy(build, b, sizeof build);
    } else {
        ssize_t n = readlink("/proc/self/exe", build, sizeof build - 1);
        assert_true(n > 0);
        build[n] = '\0';
        for (int i = 0; i < 2; i++) *strrchr(build, '/') = '\0';
    }
    snprintf(g_fixtures, sizeof g_fixtures, "%s/fixtures/plugins", build);
}

static int setup(void **state)
{
    (void)state;
    find_dirs();
    snprintf(g_tmp, sizeof g_tmp, "/tmp/hub-test-loader-XXXXXX");
    assert_non_null(mkdtemp(g_tmp));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
    return system(cmd) == 0 ? 0 : -1;
}

#define assert_contains(hay, needle)                                                     \
    do {                                                                                 \
        if (!strstr((hay), (needle)))                                                    \
            fail_msg("expected \"%s\" in \"%s\"", (needle), (hay));                      \
    } while (0)

/* Load a fixture that must be refused; check the message and that nothing stays loaded. */
static void expect_refused(const char *dir, const char *name, char *err, size_t err_len)
{
    size_t before = plugin_loaded_count();
    struct plugin_handle *h = (struct plugin_handle *)1;
    assert_int_equal(plugin_load(dir, name, &h, err, err_len), -1);
    assert_null(h);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "plugin '%s': ", name);
    assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
    assert_int_equal(plugin_loaded_count(), before);
    /* A refused .so is dlclosed again. */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/%s.so", dir, name, name);
    void *still = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (still) dlclose(still);
    assert_null(still);
}

/* ------------------------------------------------------------------ refusals */

static void test_no_file(void **state)
{
    (void)state;
    char err[512];
    expect_refused(g_tmp, "ghost", err, sizeof err);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "plugin 'ghost': no file %s/ghost/ghost.so", g_tmp);
    assert_string_equal(err, want);
}

static void test_invalid_name(void **state)
{
    (void)state;
    char err[512];
    struct plugin_handle *h;
    assert_int_equal(plugin_load(g_tmp, "../etc", &h, err, sizeof err), -1);
    assert_null(h);
    assert_contains(err, "plugin '../etc': not a valid plugin name");
}

static void test_dlopen_error(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/junk", g_tmp);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/junk.so", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not an ELF shared object, just text\n", f);
    fclose(f);
    char err[1024];
    expect_refused(g_tmp, "junk", err, sizeof err);
    assert_contains(err, "plugin 'junk': cannot load ");
    assert_contains(err, "junk.so"); /* dlerror names the file */
    /* and says why (glibc: "invalid ELF header" or "file too short") */
    assert_true(strstr(err, "ELF") || strstr(err, "too short"));
}

static void test_directory_instead_of_file(void **state)
{
    (void)state;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/dirry", g_tmp);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(dir, sizeof dir, "%s/dirry/dirry.so", g_tmp);
    assert_int_equal(mkdir(dir, 0755), 0);
    char err[512];
    expect_refused(g_tmp, "dirry", err, sizeof err);
    assert_contains(err, "is not a regular file");
}

static void test_missing_symbol(void **state)
{
    (void)state;
    char err[1024], want[PATH_MAX + 128];
    expect_refused(g_fixtures, "fx_nosym", err, sizeof err);
    snprintf(want, sizeof want, "/fx_nosym/fx_nosym.so does not export hub_plugin_entry (not a hub plugin?)");
    assert_contains(err, want);
}

static void test_entry_returns_null(void **state)
{
    (void)state;
    char err[512];
    expect_refused(g_fixtures, "fx_nullentry", err, sizeof err);
    assert_string_equal(err,
                        "plugin 'fx_nullentry': hub_plugin_entry() returned NULL (the plugin "
                        "refused to load)");
}

static void test_abi_major(void **state)
{
    (void)state;
    char err[512], want[256];
    expect_refused(g_fixtures, "fx_abi2", err, sizeof err);
    snprintf(want, sizeof want, "plugin 'fx_abi2': built for ABI 2.1, this hub speaks %d.%d (",
             HUB_ABI_MAJOR, HUB_ABI_MINOR);
    assert_contains(err, want);
    assert_contains(err, "rebuild it against hub-plugin >= 1.0");
}

static void test_struct_too_small(void **state)
{
    (void)state;
    char err[512], want[256];
    expect_refused(g_fixtures, "fx_short", err, sizeof err);
    snprintf(want, sizeof want,
             "plugin 'fx_short': descriptor is %zu bytes, ABI %d.%d needs at least %zu "
             "(truncated or built for an older header)",
             offsetof(struct hub_plugin, push_batch), HUB_ABI_MAJOR, HUB_ABI_MINOR,
             (size_t)HUB_PLUGIN_MIN_SIZE);
    assert_string_equal(err, want);
}

static void test_name_mismatch(void **state)
{
    (void)state;
    char err[512];
    expect_refused(g_fixtures, "fx_badname", err, sizeof err);
    assert_contains(err, "names itself 'someone_else'");
    assert_contains(err, "folder name 'fx_badname'");
}

static void test_missing_callback(void **state)
{
    (void)state;
    char err[512];
    expect_refused(g_fixtures, "fx_nocb", err, sizeof err);
    assert_string_equal(err, "plugin 'fx_nocb': capability STOCK_PUSH needs the push_batch "
                             "callback, which is NULL");
}

static void test_duplicate_config_key(void **state)
{
    (void)state;
    char err[512];
    expect_refused(g_fixtures, "fx_dupkey", err, sizeof err);
    assert_contains(err, "config key 'token' appears twice");
}

static void test_enum_without_choices(void **state)
{
    (void)state;
    char err[512];
    expect_refused(g_fixtures, "fx_enum", err, sizeof err);
    assert_contains(err, "config key 'region' is an ENUM without choices");
}

static void test_err_buffer_small(void **state)
{
    (void)state;
    char err[16];
    struct plugin_handle *h;
    assert_int_equal(plugin_load(g_fixtures, "fx_nullentry", &h, err, sizeof err), -1);
    assert_int_equal(strlen(err), sizeof err - 1); /* cut, still terminated */
}

/* ------------------------------------------------------------------ accepted */

static void test_newer_minor_accepted(void **state)
{
    (void)state;
    char err[512] = "";
    struct plugin_handle *h = NULL;
    assert_int_equal(plugin_load(g_fixtures, "fx_newer", &h, err, sizeof err), 0);
    assert_non_null(h);
    assert_string_equal(err, "");
    unsigned major, minor;
    plugin_abi(h, &major, &minor);
    assert_int_equal(major, HUB_ABI_MAJOR);
    assert_int_equal(minor, 9);
    assert_string_equal(plugin_name(h), "fx_newer");
    assert_string_equal(plugin_version(h), "9.9");
    /* the unknown capability bit (1 << 20) is dropped */
    assert_int_equal(plugin_capabilities(h), HUB_CAP_STOCK_PUSH);
    assert_true(plugin_has_cap(h, HUB_CAP_STOCK_PUSH));
    assert_false(plugin_has_cap(h, HUB_CAP_RECONCILE));
    const struct hub_plugin *d = plugin_descriptor(h);
    /* the core's copy ends at its own struct; reserved slots of 1.9 are not read */
    assert_int_equal(d->struct_size, sizeof(struct hub_plugin));
    for (size_t i = 0; i < ARRAY_LEN(d->reserved); i++) assert_null(d->reserved[i]);
    /* limits normalised: batch_max 0 -> 1, burst from the rate, defaults */
    const struct hub_limits *l = plugin_limits(h);
    assert_true(l->rate_per_sec == 2.5);
    assert_int_equal(l->burst, 3);
    assert_int_equal(l->batch_max, PLUGIN_DEFAULT_BATCH_MAX);
    assert_int_equal(l->in_flight, PLUGIN_DEFAULT_IN_FLIGHT);
    assert_int_equal(l->timeout_ms, PLUGIN_DEFAULT_TIMEOUT_MS);
    assert_non_null(d->push_batch);
    assert_null(d->poll);
    plugin_unload(h);
}

static void test_older_header_accepted(void **state)
{
    (void)state;
    char err[512];
    struct plugin_handle *h = NULL;
    assert_int_equal(plugin_load(g_fixtures, "fx_minsize", &h, err, sizeof err), 0);
    const struct hub_plugin *d = plugin_descriptor(h);
    assert_int_equal(d->struct_size, HUB_PLUGIN_MIN_SIZE);
    assert_non_null(d->init);
    assert_non_null(d->destroy);
    /* nothing past the plugin's struct_size was copied */
    assert_null(d->reserved[0]);
    plugin_unload(h);
}

/* ------------------------------------------------------------------ cache */

static int loaded(const char *path)
{
    void *dl = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (dl) dlclose(dl);
    return dl != NULL;
}

static void test_cache_refcount(void **state)
{
    (void)state;
    char err[512], path[PATH_MAX];
    struct plugin_handle *a = NULL, *b = NULL;
    size_t base = plugin_loaded_count();
    assert_int_equal(plugin_load(g_fixtures, "fx_good", &a, err, sizeof err), 0);
    str_copy(path, plugin_path(a), sizeof path);
    assert_true(loaded(path));
    assert_int_equal(plugin_refcount(a), 1);
    /* A second tenant: the same handle, one dlopen. */
    char other_dir[PATH_MAX + 8];
    snprintf(other_dir, sizeof other_dir, "%s/.", g_fixtures); /* another spelling, same file */
    assert_int_equal(plugin_load(other_dir, "fx_good", &b, err, sizeof err), 0);
    assert_ptr_equal(a, b);
    assert_int_equal(plugin_refcount(a), 2);
    assert_int_equal(plugin_loaded_count(), base + 1);

    plugin_unload(b);
    assert_int_equal(plugin_refcount(a), 1);
    assert_int_equal(plugin_loaded_count(), base + 1);
    assert_true(loaded(path));

    plugin_unload(a);
    assert_int_equal(plugin_loaded_count(), base);
    assert_false(loaded(path)); /* the last unload dlclosed it */

    plugin_unload(NULL); /* harmless */
}

static void test_cache_distinct_plugins(void **state)
{
    (void)state;
    char err[512];
    struct plugin_handle *a = NULL, *b = NULL;
    size_t base = plugin_loaded_count();
    assert_int_equal(plugin_load(g_fixtures, "fx_good", &a, err, sizeof err), 0);
    assert_int_equal(plugin_load(g_fixtures, "fx_minsize", &b, err, sizeof err), 0);
    assert_ptr_not_equal(a, b);
    assert_int_equal(plugin_loaded_count(), base + 2);
    plugin_unload(a);
    assert_int_equal(plugin_loaded_count(), base + 1);
    assert_string_equal(plugin_name(b), "fx_minsize");
    plugin_unload(b);
    assert_int_equal(plugin_loaded_count(), base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_file),
        cmocka_unit_test(test_invalid_name),
        cmocka_unit_test(test_dlopen_error),
        cmocka_unit_test(test_directory_instead_of_file),
        cmocka_unit_test(test_missing_symbol),
        cmocka_unit_test(test_entry_returns_null),
        cmocka_unit_test(test_abi_major),
        cmocka_unit_test(test_struct_too_small),
        cmocka_unit_test(test_name_mismatch),
        cmocka_unit_test(test_missing_callback),
        cmocka_unit_test(test_duplicate_config_key),
        cmocka_unit_test(test_enum_without_choices),
        cmocka_unit_test(test_err_buffer_small),
        cmocka_unit_test(test_newer_minor_accepted),
        cmocka_unit_test(test_older_header_accepted),
        cmocka_unit_test(test_cache_refcount),
        cmocka_unit_test(test_cache_distinct_plugins),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
