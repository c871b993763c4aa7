#include "hubd/check.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "lua/mapping.h"
#include "plugin/loader.h"
#include "store/store.h"

static int check_script(const struct hub_config *cfg, const char *what, const char *path, FILE *out,
                        int verbose)
{
    struct mapping_limits lim = {
        .memory_bytes = cfg->lua_memory_kb > 0 ? (size_t)cfg->lua_memory_kb * 1024u : 32u << 20,
        .instruction_budget = cfg->lua_instruction_budget > 0 ? (uint64_t)cfg->lua_instruction_budget : 10000000u,
    };
    struct mapping *m = NULL;
    char err[1024];
    if (mapping_open(&m, cfg->scripts_dir, path, &lim, err, sizeof err) != 0) {
        fprintf(out, "%s: %s\n", what, err);
        return 1;
    }
    if (verbose) fprintf(out, "ok  %s %s\n", what, path);
    mapping_close(m);
    return 0;
}

int hubd_check(const struct hub_config *cfg, FILE *out, int verbose, int strict)
{
    int errors = 0;
    for (size_t i = 0; i < cfg->n_tenants; i++) {
        const struct tenant_config *tc = &cfg->tenants[i];
        for (size_t k = 0; k < tc->n_channels; k++) {
            const struct channel_config *ch = &tc->channels[k];
            struct plugin_handle *p = NULL;
            char err[1024];
            if (plugin_load(cfg->plugin_dir, ch->plugin, &p, err, sizeof err) != 0) {
                fprintf(out, "%s%s:%d: channel '%s': %s\n", strict ? "" : "warning: ", ch->file, ch->line,
                        ch->name, err);
                errors += strict;
                continue;
            }
            struct config_errors errs = {0};
            if (config_validate_channel(ch, plugin_config_map(p), &errs) != 0) {
                for (size_t e = 0; e < errs.n; e++) fprintf(out, "%s\n", errs.items[e]);
                errors += (int)(errs.n ? errs.n : 1);
            } else if (verbose) {
                fprintf(out, "ok  tenant %s channel %s: plugin %s %s\n", tc->name, ch->name,
                        plugin_name(p), plugin_version(p));
            }
            config_errors_free(&errs);
            plugin_unload(p);
            if (ch->mapping) {
                char what[256];
                snprintf(what, sizeof what, "tenant %s channel %s mapping", tc->name, ch->name);
                errors += check_script(cfg, what, ch->mapping, out, verbose);
            }
        }
        if (tc->allocation_script) {
            char what[256];
            snprintf(what, sizeof what, "tenant %s allocation", tc->name);
            errors += check_script(cfg, what, tc->allocation_script, out, verbose);
        }
        struct stat st;
        if (stat(tc->data_dir, &st) == 0) {
            struct store *s = NULL;
            char err[1024];
            if (store_open(&s, tc->data_dir, tc->name, STORE_RDONLY, 0, err, sizeof err) != 0) {
                fprintf(out, "%stenant %s: %s\n", strict ? "" : "warning: ", tc->name, err);
                errors += strict;
            } else {
                if (verbose) fprintf(out, "ok  tenant %s store %s\n", tc->name, tc->data_dir);
                store_close(s);
            }
        }
    }
    return errors;
}
