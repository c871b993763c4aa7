/*
 * test_loader_oot.c - loads a plugin built out of tree (by
 * tests/plugin-out-of-tree/run.sh) through plugin_load and drives it once.
 *
 *   HUB_OOT_PLUGIN_DIR  directory holding <name>/<name>.so  (unset: skipped)
 *   HUB_OOT_PLUGIN      plugin name, default "hello"
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugin/loader.h"

struct hub_instance {
    int logs;
};
struct hub_batch {
    int done_calls;
    enum hub_result status[2];
};

static const char *oot_config_str(struct hub_instance *inst, const char *key)
{
    (void)inst;
    return strcmp(key, "greeting") == 0 ? "hello from the test" : NULL;
}
static void oot_log(struct hub_instance *inst, enum hub_log_level level, const char *fmt, ...)
{
    (void)level;
    inst->logs++;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
static void oot_push_done(struct hub_batch *b, const struct hub_push_result *r)
{
    b->done_calls++;
    b->status[0] = r[0].status;
    b->status[1] = r[1].status;
}

static void test_out_of_tree_plugin_loads(void **state)
{
    (void)state;
    const char *dir = getenv("HUB_OOT_PLUGIN_DIR");
    const char *name = getenv("HUB_OOT_PLUGIN");
    if (!name || !name[0]) name = "hello";
    if (!dir || !dir[0]) {
        fprintf(stderr, "test_loader_oot: HUB_OOT_PLUGIN_DIR is unset; run "
                        "tests/plugin-out-of-tree/run.sh (skipped)\n");
        skip();
    }
    char err[1024];
    struct plugin_handle *h = NULL;
    if (plugin_load(dir, name, &h, err, sizeof err) != 0) fail_msg("refused: %s", err);
    const struct hub_plugin *d = plugin_descriptor(h);
    assert_string_equal(d->name, name);
    unsigned major, minor;
    plugin_abi(h, &major, &minor);
    assert_int_equal(major, HUB_ABI_MAJOR);

    if (strcmp(name, "hello") == 0) { /* the run.sh plugin: drive it once */
        assert_int_equal(plugin_capabilities(h), HUB_CAP_STOCK_PUSH);
        assert_int_equal(plugin_limits(h)->batch_max, 10);
        struct hub_host host = {
            .abi_major = HUB_ABI_MAJOR,
            .abi_minor = HUB_ABI_MINOR,
            .struct_size = (uint32_t)sizeof host,
            .log = oot_log,
            .config_str = oot_config_str,
            .push_done = oot_push_done,
        };
        struct hub_instance inst = {0};
        void *ctx = NULL;
        assert_int_equal(d->init(&host, &inst, &ctx), 0);
        assert_int_equal(inst.logs, 1);
        const struct hub_push_item items[2] = {
            {.op_id = 1, .kind = HUB_OP_STOCK, .sku = "A", .quantity = 3},
            {.op_id = 2, .kind = HUB_OP_STOCK, .sku = "B", .quantity = -1},
        };
        struct hub_batch batch = {0};
        d->push_batch(ctx, &batch, items, 2);
        assert_int_equal(batch.done_calls, 1);
        assert_int_equal(batch.status[0], HUB_OK);
        assert_int_equal(batch.status[1], HUB_FATAL);
        d->destroy(ctx);
    }
    plugin_unload(h);
    assert_int_equal(plugin_loaded_count(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_of_tree_plugin_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
