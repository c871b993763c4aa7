/* test_config.c - good configurations load with the values written, the
 * documented defaults and the hub -> tenant -> channel inheritance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "config/config.h"

#define FX "tests/unit/config_fixtures/"

static struct hub_config *load_ok(const char *dir)
{
    struct hub_config *cfg = NULL;
    struct config_errors errs = {0};
    int rc = config_load(dir, &cfg, &errs);
    for (size_t i = 0; i < errs.n; i++) fprintf(stderr, "unexpected: %s\n", errs.items[i]);
    assert_int_equal(errs.n, 0);
    assert_int_equal(rc, 0);
    assert_non_null(cfg);
    config_errors_free(&errs);
    return cfg;
}

static const char *setting(const struct channel_config *ch, const char *key, int *line)
{
    for (size_t i = 0; i < ch->n_settings; i++) {
        if (strcmp(ch->settings[i].key, key) == 0) {
            if (line) *line = ch->settings[i].line;
            return ch->settings[i].value;
        }
    }
    return NULL;
}

static int setup_env(void **state)
{
    (void)state;
    unsetenv("HUB_PLUGIN_DIR");
    unsetenv("HUB_DATA_DIR");
    return 0;
}

/* The shipped conf.d/ (hub.conf + demo.conf). */
static void test_demo_config(void **state)
{
    (void)state;
    struct hub_config *cfg = load_ok("conf.d");
    assert_string_equal(cfg->dir, "conf.d");
    assert_string_equal(cfg->listen, "127.0.0.1:8080");
    assert_string_equal(cfg->data_dir, "var");
    assert_string_equal(cfg->admin_socket, "var/hubd.sock");
    assert_int_equal(cfg->n_tenants, 1);

    const struct tenant_config *t = config_tenant(cfg, "demo");
    assert_non_null(t);
    assert_ptr_equal(t, &cfg->tenants[0]);
    assert_null(config_tenant(cfg, "nobody"));
    assert_string_equal(t->file, "conf.d/demo.conf");
    assert_string_equal(t->currency, "EUR");
    assert_int_equal(t->buffer, 1);
    assert_int_equal(t->hold_ttl_ms, 15 * 60 * 1000);
    assert_string_equal(t->catalog, "conf.d/samples/catalog.jsonl");
    assert_string_equal(t->data_dir, "var/demo");
    assert_null(t->allocation_script);
    assert_int_equal(t->n_channels, 5);

    const struct channel_config *ex = config_channel(t, "example");
    assert_non_null(ex);
    assert_string_equal(ex->plugin, "example");
    assert_int_equal(ex->mode, HUB_MODE_LIVE);
    assert_int_equal(ex->buffer, 0); /* its own, not the tenant's 1 */
    assert_string_equal(setting(ex, "path", NULL), "var/demo-example.jsonl");
    assert_string_equal(ex->mapping, "scripts/example.lua");
    assert_string_equal(ex->file, "conf.d/demo.conf");

    const struct channel_config *sh = config_channel(t, "shopify");
    assert_non_null(sh);
    assert_int_equal(sh->mode, HUB_MODE_DRY_RUN);
    assert_int_equal(sh->buffer, 1); /* inherited from [tenant] */
    assert_string_equal(sh->plugin, "shopify");
    assert_string_equal(sh->mapping, "scripts/shopify.lua");
    assert_string_equal(setting(sh, "shop", NULL), "demo-shop.myshopify.com");
    assert_string_equal(setting(sh, "api_version", NULL), "2026-04");
    assert_string_equal(setting(sh, "access_token", NULL), "env:DEMO_SHOPIFY_TOKEN");
    assert_string_equal(setting(sh, "webhook_secret", NULL), "env:DEMO_SHOPIFY_WEBHOOK_SECRET");
    assert_int_equal(sh->reconcile_interval_ms, 3600 * 1000);
    assert_null(setting(sh, "mode", NULL)); /* built-in keys are not plugin settings */

    const struct channel_config *tk = config_channel(t, "tiktok");
    assert_non_null(tk);
    assert_int_equal(tk->mode, HUB_MODE_DRY_RUN);
    assert_string_equal(setting(tk, "app_secret", NULL), "env:DEMO_TIKTOK_APP_SECRET");

    const struct channel_config *am = config_channel(t, "amazon");
    assert_non_null(am);
    assert_int_equal(am->mode, HUB_MODE_DRY_RUN);
    assert_string_equal(setting(am, "marketplace_id", NULL), "A1PA6795UKMFR9");
    assert_int_equal(am->poll_interval_ms, 120 * 1000);
    for (size_t i = 0; i < am->n_settings; i++) {
        const char *k = am->settings[i].key;
        if (strstr(k, "token") || strstr(k, "secret") || strcmp(k, "client_id") == 0)
            assert_int_equal(secret_ref_valid(am->settings[i].value), 1);
    }

    const struct channel_config *gpt = config_channel(t, "chatgpt");
    assert_non_null(gpt);
    assert_int_equal(gpt->mode, HUB_MODE_LIVE);
    assert_null(config_channel(t, "ebay"));
    config_free(cfg);
}

/* Nothing set anywhere: the defaults of the key tables. */
static void test_defaults(void **state)
{
    (void)state;
    struct hub_config *cfg = load_ok(FX "minimal");
    assert_string_equal(cfg->listen, "127.0.0.1:8080");
    assert_string_equal(cfg->data_dir, "var");
    assert_string_equal(cfg->plugin_dir, "plugins");
    assert_string_equal(cfg->scripts_dir, "scripts");
    assert_string_equal(cfg->admin_socket, "var/hubd.sock");
    assert_int_equal(cfg->log_level, LOG_INFO);
    assert_int_equal(cfg->log_json, 0);
    assert_int_equal(cfg->lua_memory_kb, 32 * 1024);
    assert_int_equal(cfg->lua_instruction_budget, 10000000);
    assert_int_equal(cfg->group_commit_max, 4096);
    assert_int_equal(cfg->buffer, 0);
    assert_int_equal(cfg->hold_ttl_ms, 15 * 60 * 1000);
    assert_int_equal(cfg->map_size_mb, 4096);
    assert_string_equal(cfg->currency, "EUR");

    /* shop1, shop2: .hidden.conf and README.txt are not tenants; sorted by name */
    assert_int_equal(cfg->n_tenants, 2);
    assert_string_equal(cfg->tenants[0].name, "shop1");
    assert_string_equal(cfg->tenants[1].name, "shop2");
    for (size_t i = 0; i < 2; i++) {
        const struct tenant_config *t = &cfg->tenants[i];
        assert_string_equal(t->currency, "EUR");
        assert_int_equal(t->buffer, 0);
        assert_int_equal(t->hold_ttl_ms, 15 * 60 * 1000);
        assert_int_equal(t->map_size_mb, 4096);
        assert_null(t->catalog);
        assert_null(t->allocation_script);
    }
    assert_string_equal(cfg->tenants[0].data_dir, "var/shop1");
    assert_int_equal(cfg->tenants[0].n_channels, 0);
    const struct channel_config *ch = config_channel(&cfg->tenants[1], "example");
    assert_non_null(ch);
    assert_int_equal(ch->mode, HUB_MODE_LIVE);
    assert_int_equal(ch->buffer, 0);
    assert_int_equal(ch->poll_interval_ms, 0);
    assert_int_equal(ch->reconcile_interval_ms, 0);
    assert_int_equal(ch->line, 2);
    int line = 0;
    assert_string_equal(setting(ch, "path", &line), "/tmp/x.jsonl");
    assert_int_equal(line, 3);
    config_free(cfg);
}

/* An empty hub.conf (only a comment) and no tenants is a valid config. */
static void test_no_tenants(void **state)
{
    (void)state;
    struct hub_config *cfg = load_ok(FX "empty/"); /* trailing slash is dropped */
    assert_string_equal(cfg->dir, FX "empty");
    assert_int_equal(cfg->n_tenants, 0);
    assert_null(config_tenant(cfg, "demo"));
    config_free(cfg);
}

/* hub -> tenant -> channel: each level states only what differs. */
static void test_inheritance(void **state)
{
    (void)state;
    struct hub_config *cfg = load_ok(FX "inherit");
    assert_string_equal(cfg->listen, "[::1]:9090");
    assert_int_equal(cfg->log_level, LOG_DEBUG);
    assert_int_equal(cfg->log_json, 1);
    assert_int_equal(cfg->lua_memory_kb, 2048); /* a bare number is KiB */
    assert_string_equal(cfg->admin_socket, "/srv/hub/hubd.sock");

    const struct tenant_config *acme = config_tenant(cfg, "acme");
    assert_non_null(acme);
    assert_int_equal(acme->buffer, 5);              /* own */
    assert_string_equal(acme->currency, "JPY");     /* own */
    assert_int_equal(acme->hold_ttl_ms, 30 * 60000); /* from [hub] */
    assert_int_equal(acme->map_size_mb, 64);        /* from [hub] */
    assert_string_equal(acme->data_dir, "/srv/hub/acme");
    const struct channel_config *shop = config_channel(acme, "shop");
    assert_int_equal(shop->buffer, 5); /* from [tenant] */
    assert_string_equal(shop->plugin, "example");
    assert_string_equal(shop->mapping, "/opt/hub/scripts/example.lua");
    const struct channel_config *lean = config_channel(acme, "lean");
    assert_int_equal(lean->buffer, 0); /* own 0 beats the tenant's 5 */
    assert_string_equal(lean->plugin, "lean");
    assert_string_equal(lean->mapping, "custom/lean.lua");

    const struct tenant_config *beta = config_tenant(cfg, "beta");
    assert_int_equal(beta->buffer, 2);          /* from [hub] */
    assert_string_equal(beta->currency, "USD"); /* from [hub] */
    assert_int_equal(beta->hold_ttl_ms, 90000);
    assert_int_equal(beta->map_size_mb, 128);
    assert_string_equal(beta->data_dir, "/data/beta");
    assert_int_equal(config_channel(beta, "c1")->buffer, 2); /* hub -> tenant -> channel */
    config_free(cfg);
}

static void test_env_overrides(void **state)
{
    (void)state;
    setenv("HUB_PLUGIN_DIR", "/elsewhere/plugins", 1);
    setenv("HUB_DATA_DIR", "/elsewhere/var", 1);
    struct hub_config *cfg = load_ok(FX "inherit");
    assert_string_equal(cfg->plugin_dir, "/elsewhere/plugins");
    assert_string_equal(cfg->data_dir, "/elsewhere/var");
    assert_string_equal(cfg->admin_socket, "/elsewhere/var/hubd.sock");
    assert_string_equal(config_tenant(cfg, "acme")->data_dir, "/elsewhere/var/acme");
    assert_string_equal(config_tenant(cfg, "beta")->data_dir, "/data/beta"); /* explicit */
    config_free(cfg);
    setenv("HUB_PLUGIN_DIR", "", 1); /* empty: ignored */
    unsetenv("HUB_DATA_DIR");
    cfg = load_ok(FX "minimal");
    assert_string_equal(cfg->plugin_dir, "plugins");
    config_free(cfg);
    unsetenv("HUB_PLUGIN_DIR");
}

int main(void)
{
    const char *src = getenv("HUB_SRC_DIR");
    if (src && chdir(src) != 0) {
        perror(src);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_demo_config, setup_env),
        cmocka_unit_test_setup(test_defaults, setup_env),
        cmocka_unit_test_setup(test_no_tenants, setup_env),
        cmocka_unit_test_setup(test_inheritance, setup_env),
        cmocka_unit_test_setup(test_env_overrides, setup_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
