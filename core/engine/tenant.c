/* tenant.c - open a tenant: its store and its mapping scripts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "engine/engine.h"
#include "engine/internal.h"
#include "plugin/loader.h"

static struct mapping_limits limits_of(const struct hub_config *hub)
{
    struct mapping_limits l = {
        .memory_bytes = hub->lua_memory_kb > 0 ? (size_t)hub->lua_memory_kb * 1024u : 32u << 20,
        .instruction_budget =
            hub->lua_instruction_budget > 0 ? (uint64_t)hub->lua_instruction_budget : 10000000u,
    };
    return l;
}

/* What the channel can take comes from its plugin's descriptor, read the
 * same way in hubd and hubctl so both queue the same operations.  A channel
 * whose plugin cannot be loaded gets nothing queued (hubd reports it failed;
 * once fixed, a reload or `hubctl reconcile` projects everything again). */
static void channel_capabilities(const struct hub_config *hub, struct tenant_channel *tc)
{
    struct plugin_handle *p = NULL;
    char err[512];
    tc->stock_push = tc->catalog_push = 0;
    if (plugin_load(hub->plugin_dir, tc->cfg->plugin, &p, err, sizeof err) != 0) return;
    tc->stock_push = plugin_has_cap(p, HUB_CAP_STOCK_PUSH);
    tc->catalog_push = plugin_has_cap(p, HUB_CAP_CATALOG_PUSH);
    plugin_unload(p);
}

int tenant_open(struct tenant **out, const struct hub_config *hub, const struct tenant_config *tc,
                unsigned flags, char *err, size_t err_len)
{
    struct tenant *t = xcalloc(1, sizeof *t);
    t->hub = hub;
    t->cfg = tc;
    unsigned sflags = (flags & TENANT_READONLY) ? STORE_RDONLY : STORE_CREATE;
    if (flags & TENANT_NOSYNC) sflags |= STORE_NOSYNC;
    size_t map = tc->map_size_mb > 0 ? (size_t)tc->map_size_mb << 20 : 0;
    char serr[512] = "";
    if (store_open(&t->store, tc->data_dir, tc->name, sflags, map, serr, sizeof serr) != 0) {
        snprintf(err, err_len, "tenant '%s': %s", tc->name, serr);
        free(t);
        return -1;
    }
    t->ctx_base = json_pack("{s:s, s:s}", "tenant", tc->name, "currency",
                            tc->currency ? tc->currency : "EUR");
    t->n_channels = tc->n_channels;
    t->channels = xcalloc(tc->n_channels ? tc->n_channels : 1, sizeof *t->channels);
    struct mapping_limits lim = limits_of(hub);
    for (size_t i = 0; i < tc->n_channels; i++) {
        struct tenant_channel *ch = &t->channels[i];
        ch->cfg = &tc->channels[i];
        channel_capabilities(hub, ch);
        if (!ch->cfg->mapping) continue;
        char merr[512] = "";
        if (mapping_open(&ch->mapping, hub->scripts_dir, ch->cfg->mapping, &lim, merr,
                         sizeof merr) != 0) {
            /* A broken script degrades this channel (no projection), not the tenant. */
            ch->mapping = NULL;
            snprintf(t->last_error, sizeof t->last_error, "channel '%s': %s", ch->cfg->name, merr);
            log_error(tc->name, "channel '%s': mapping not loaded: %s", ch->cfg->name, merr);
        }
    }
    if (tc->allocation_script) {
        char merr[512] = "";
        if (mapping_open(&t->allocation, hub->scripts_dir, tc->allocation_script, &lim, merr,
                         sizeof merr) != 0) {
            snprintf(err, err_len, "tenant '%s': allocation script: %s", tc->name, merr);
            tenant_close(t);
            return -1;
        }
        if (!mapping_has(t->allocation, "allocate")) {
            snprintf(err, err_len, "tenant '%s': %s defines no allocate()", tc->name,
                     tc->allocation_script);
            tenant_close(t);
            return -1;
        }
    }
    *out = t;
    return 0;
}

void tenant_close(struct tenant *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n_channels; i++) mapping_close(t->channels[i].mapping);
    free(t->channels);
    mapping_close(t->allocation);
    json_decref(t->ctx_base);
    store_close(t->store);
    free(t);
}

struct tenant_channel *tenant_channel(struct tenant *t, const char *name)
{
    for (size_t i = 0; i < t->n_channels; i++)
        if (strcmp(t->channels[i].cfg->name, name) == 0) return &t->channels[i];
    return NULL;
}

int64_t tenant_channel_buffer(const struct tenant *t, const struct tenant_channel *ch)
{
    return ch->cfg->buffer >= 0 ? ch->cfg->buffer : (t->cfg->buffer > 0 ? t->cfg->buffer : 0);
}
