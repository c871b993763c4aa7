/* channel.c - a channel's plugin settings against the plugin's config map. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "config/internal.h"

static void unknown_setting(const struct channel_config *ch, const struct config_kv *kv,
                            const struct hub_config_entry *map, struct config_errors *errs)
{
    size_t n = 0;
    while (map && map[n].key) n++;
    if (n == 0) {
        config_errors_add(errs, ch->file, kv->line,
                          "unknown key '%s' in [channel %s]: plugin '%s' takes no settings",
                          kv->key, ch->name, ch->plugin ? ch->plugin : ch->name);
        return;
    }
    /* Candidates: the plugin's keys, then the built-in channel keys (a
     * misspelt "mdoe" was kept as a plugin setting by the loader). */
    size_t nb = config_key_count(config_channel_keys);
    const char **names = xcalloc(n + nb, sizeof *names);
    for (size_t i = 0; i < n; i++) names[i] = map[i].key;
    for (size_t i = 0; i < nb; i++) names[n + i] = config_channel_keys[i].e.key;
    char sug[128];
    config_suggest_text(sug, sizeof sug, config_suggest(kv->key, names, n + nb));
    free(names);
    config_errors_add(errs, ch->file, kv->line, "unknown key '%s' for plugin '%s' in [channel %s]%s",
                      kv->key, ch->plugin ? ch->plugin : ch->name, ch->name, sug);
}

static const struct config_kv *find_setting(const struct channel_config *ch, const char *key)
{
    for (size_t i = 0; i < ch->n_settings; i++)
        if (strcmp(ch->settings[i].key, key) == 0) return &ch->settings[i];
    return NULL;
}

int config_validate_channel(const struct channel_config *ch, const struct hub_config_entry *map,
                            struct config_errors *errs)
{
    size_t before = errs->n;
    for (size_t i = 0; i < ch->n_settings; i++) {
        const struct config_kv *kv = &ch->settings[i];
        const struct hub_config_entry *e = config_map_find(map, kv->key);
        if (!e) {
            unknown_setting(ch, kv, map, errs);
            continue;
        }
        char why[320];
        if (config_value_check(e, kv->value, why, sizeof why) != 0)
            config_errors_add(errs, ch->file, kv->line, "'%s' %s", kv->key, why);
    }
    for (const struct hub_config_entry *e = map; e && e->key; e++) {
        if (!(e->flags & HUB_CFG_REQUIRED) || e->default_value || find_setting(ch, e->key)) continue;
        config_errors_add(errs, ch->file, ch->line, "[channel %s] is missing required key '%s'%s%s",
                          ch->name, e->key, e->description ? ": " : "",
                          e->description ? e->description : "");
    }
    return errs->n > before ? -1 : 0;
}

const char *config_channel_get(const struct channel_config *ch, const struct hub_config_entry *map,
                               const char *key)
{
    if (!key) return NULL;
    const struct config_kv *kv = ch ? find_setting(ch, key) : NULL;
    if (kv) return kv->value;
    const struct hub_config_entry *e = config_map_find(map, key);
    return e ? e->default_value : NULL;
}
