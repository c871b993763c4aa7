/* hubctl status - per tenant: channels, modes, outbox, dead letters, errors, scripts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "hubctl/hubctl.h"

static const char *mode_name(int m)
{
    return m == HUB_MODE_DRY_RUN ? "dry-run" : m == HUB_MODE_PAUSED ? "paused" : "live";
}

static int count_exceptions(void *arg, uint64_t id, uint64_t ts, const char *kind, const char *channel,
                            const char *ref, const char *message)
{
    json_t *o = arg;
    json_object_set_new(o, "count", json_integer(json_integer_value(json_object_get(o, "count")) + 1));
    json_object_set_new(o, "last", json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "kind",
                                             kind, "channel", channel, "ref", ref, "message", message));
    (void)ts;
    return 0;
}

/* The stored part of a tenant's status (works without hubd). */
static json_t *tenant_status(struct hubctl *ctl, const struct tenant_config *tc)
{
    json_t *o = json_pack("{s:s, s:s}", "tenant", tc->name, "data_dir", tc->data_dir);
    struct tenant *t = NULL;
    char err[1024];
    if (tenant_open(&t, ctl->cfg, tc, TENANT_READONLY, err, sizeof err) != 0) {
        json_object_set_new(o, "error", json_string(err));
        return o;
    }
    struct txn *txn = NULL;
    if (txn_begin(t->store, 0, &txn) != 0) {
        json_object_set_new(o, "error", json_string("cannot read the store"));
        tenant_close(t);
        return o;
    }
    json_object_set_new(o, "skus", json_integer(store_count(txn, "variants")));
    json_object_set_new(o, "products", json_integer(store_count(txn, "products")));
    /* what retention keeps bounded (hubd's housekeeping) */
    json_object_set_new(o, "inbox_records", json_integer(store_count(txn, "inbox")));
    json_object_set_new(o, "idempotency_keys", json_integer(store_count(txn, "idempotency")));
    json_t *chans = json_array();
    uint64_t now = now_ms();
    for (size_t i = 0; i < tc->n_channels; i++) {
        const struct channel_config *cc = &tc->channels[i];
        uint64_t depth = 0, oldest = 0;
        store_outbox_stats(txn, cc->name, &depth, &oldest);
        json_array_append_new(chans, json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I, s:I}", "name", cc->name,
            "plugin", cc->plugin, "mode", mode_name(cc->mode), "mapping", cc->mapping,
            "outbox_depth", (json_int_t)depth, "outbox_oldest_age_ms",
            (json_int_t)(depth && oldest && oldest <= now ? now - oldest : 0), "dead_letters",
            (json_int_t)store_dlq_count(txn, cc->name)));
    }
    json_object_set_new(o, "channels", chans);
    json_t *exc = json_pack("{s:i}", "count", 0);
    store_exception_each(txn, count_exceptions, exc);
    json_object_set_new(o, "exceptions", exc);
    txn_abort(txn);
    tenant_close(t);
    return o;
}

/* Fold hubd's live view (plugin state, script versions, last error) into ours. */
static void merge_live(json_t *tenant, json_t *live)
{
    json_t *lt = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(live, "tenants"), i, v)
        if (json_equal(json_object_get(v, "tenant"), json_object_get(tenant, "tenant"))) lt = v;
    if (!lt) return;
    json_object_set(tenant, "state", json_object_get(lt, "state"));
    json_object_set(tenant, "last_error", json_object_get(lt, "last_error"));
    json_object_set(tenant, "scripts", json_object_get(lt, "scripts"));
    const char *live_keys[] = {"reprojecting", "reprojected", "events_in", "commits"};
    for (size_t k = 0; k < sizeof live_keys / sizeof *live_keys; k++)
        if (json_object_get(lt, live_keys[k])) json_object_set(tenant, live_keys[k], json_object_get(lt, live_keys[k]));
    json_t *c;
    json_array_foreach(json_object_get(tenant, "channels"), i, c) {
        size_t j;
        json_t *lc;
        json_array_foreach(json_object_get(lt, "channels"), j, lc) {
            if (!json_equal(json_object_get(lc, "name"), json_object_get(c, "name"))) continue;
            json_object_update_missing(c, lc);
        }
    }
}

static void print_tenant(json_t *t)
{
    printf("tenant %s", json_string_value(json_object_get(t, "tenant")));
    if (json_object_get(t, "error")) {
        printf(": ERROR %s\n", json_string_value(json_object_get(t, "error")));
        return;
    }
    printf("  (%lld products, %lld SKUs; state %s)\n", (long long)json_integer_value(json_object_get(t, "products")),
           (long long)json_integer_value(json_object_get(t, "skus")),
           json_string_value(json_object_get(t, "state")) ? json_string_value(json_object_get(t, "state")) : "hubd not running");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(t, "channels"), i, c) {
        printf("  %-10s %-8s plugin %-8s outbox %4lld (oldest %llds)  dead letters %lld",
               json_string_value(json_object_get(c, "name")), json_string_value(json_object_get(c, "mode")),
               json_string_value(json_object_get(c, "plugin")),
               (long long)json_integer_value(json_object_get(c, "outbox_depth")),
               (long long)json_integer_value(json_object_get(c, "outbox_oldest_age_ms")) / 1000,
               (long long)json_integer_value(json_object_get(c, "dead_letters")));
        const char *st = json_string_value(json_object_get(c, "state"));
        if (st) printf("  [%s]", st);
        const char *le = json_string_value(json_object_get(c, "last_error"));
        if (le && *le) printf("\n             last error: %s", le);
        putchar('\n');
    }
    json_t *s;
    json_array_foreach(json_object_get(t, "scripts"), i, s) {
        printf("  script %-28s v%lld %.12s", json_string_value(json_object_get(s, "path")),
               (long long)json_integer_value(json_object_get(s, "version")),
               json_string_value(json_object_get(s, "sha256")));
        if (json_integer_value(json_object_get(s, "reload_failures")))
            printf("  reload failures %lld, last: %s", (long long)json_integer_value(json_object_get(s, "reload_failures")),
                   json_string_value(json_object_get(s, "last_error")));
        putchar('\n');
    }
    json_t *e = json_object_get(t, "exceptions");
    if (json_integer_value(json_object_get(e, "count")))
        printf("  exceptions %lld (hubctl exceptions %s), last: %s\n",
               (long long)json_integer_value(json_object_get(e, "count")),
               json_string_value(json_object_get(t, "tenant")),
               json_string_value(json_object_get(json_object_get(e, "last"), "message")));
    if (json_is_true(json_object_get(t, "reprojecting")))
        printf("  re-projecting after a script change: %lld SKU(s) so far\n",
               (long long)json_integer_value(json_object_get(t, "reprojected")));
    const char *le = json_string_value(json_object_get(t, "last_error"));
    if (le && *le) printf("  last error: %s\n", le);
}

static int run(struct hubctl *ctl, int argc, char **argv)
{
    if (argc > 2) return 2;
    struct hub_config *cfg = hubctl_config(ctl);
    if (!cfg) return 1;
    json_t *req = json_pack("{s:s}", "cmd", "status");
    json_t *live = hubctl_ask(ctl, req);
    json_decref(req);
    json_t *tenants = json_array();
    int found = 0;
    for (size_t i = 0; i < cfg->n_tenants; i++) {
        if (argc == 2 && strcmp(argv[1], cfg->tenants[i].name) != 0) continue;
        found = 1;
        json_t *t = tenant_status(ctl, &cfg->tenants[i]);
        if (live) merge_live(t, live);
        json_array_append_new(tenants, t);
    }
    if (argc == 2 && !found) {
        json_decref(tenants);
        json_decref(live);
        return hubctl_fail(ctl, "no tenant '%s'", argv[1]);
    }
    json_t *out = json_pack("{s:b, s:o}", "hubd_running", live != NULL, "tenants", tenants);
    if (live) json_object_set(out, "hubd", json_object_get(live, "hubd"));
    json_decref(live);
    if (ctl->json) {
        hubctl_print_json(out);
        return 0;
    }
    printf("hubd: %s\n", json_is_true(json_object_get(out, "hubd_running")) ? "running" : "not running (stored state only)");
    size_t i;
    json_t *t;
    json_array_foreach(tenants, i, t) print_tenant(t);
    json_decref(out);
    return 0;
}

const struct hubctl_cmd cmd_status = {
    .name = "status",
    .usage = "status [tenant]",
    .summary = "channels, modes, outbox depth, dead letters, errors and script versions",
    .help = "Reads each tenant's store directly; when hubd runs, adds its live view\n"
            "(plugin state, running script versions, reload failures, last errors).\n",
    .run = run,
};
