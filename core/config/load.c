/*
 * load.c - a config directory: hub.conf first, then every other *.conf as a
 * tenant (sorted by file name), defaults and inheritance filled in
 * (hub -> tenant -> channel), every error collected.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "config/internal.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void store_defaults(const struct config_key *table, void *base)
{
    for (const struct config_key *k = table; k->e.key; k++)
        if (k->e.default_value && k->field != CF_NONE) config_key_store(k, base, k->e.default_value);
}

static void env_override(char **field, const char *env)
{
    const char *v = getenv(env);
    if (v && *v) {
        free(*field);
        *field = xstrdup(v);
    }
}

static int load_hub(struct hub_config *cfg, struct config_errors *errs)
{
    store_defaults(config_hub_keys, cfg);
    char *path = xasprintf("%s/hub.conf", cfg->dir);
    struct config_parse p = {.path = path, .kind = CONFIG_FILE_HUB, .errs = errs, .hub = cfg};
    int rc = config_parse_file(&p);
    if (rc != 0 && errs->n) {
        /* Make the one mandatory file's absence explicit. */
        char *last = errs->items[errs->n - 1];
        char *more = xasprintf("%s (hub.conf is required: it may hold just a [hub] line)", last);
        free(last);
        errs->items[errs->n - 1] = more;
    }
    config_parse_done(&p);
    free(path);
    env_override(&cfg->plugin_dir, "HUB_PLUGIN_DIR");
    env_override(&cfg->data_dir, "HUB_DATA_DIR");
    if (!cfg->admin_socket) cfg->admin_socket = xasprintf("%s/hubd.sock", cfg->data_dir);
    return rc;
}

/* Is `name` the stem of one of the tenant files?  Returns that file or NULL. */
static const char *stem_file(char **files, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (strncmp(files[i], name, len) == 0 && strcmp(files[i] + len, ".conf") == 0)
            return files[i];
    return NULL;
}

static int tenant_set(const struct config_parse *p, const char *key)
{
    return p->set[config_key_index(config_tenant_keys, key)] != 0;
}

static void finish_tenant(struct hub_config *cfg, struct config_parse *p, char **files,
                          size_t n_files)
{
    struct tenant_config *t = p->tenant;
    if (p->name && strcmp(p->name, t->name) != 0) {
        const char *other = stem_file(files, n_files, p->name);
        if (other)
            config_errors_add(p->errs, t->file, p->name_line,
                              "tenant name '%s' is already used by %s/%s (the name must match "
                              "this file's name '%s')",
                              p->name, cfg->dir, other, t->name);
        else
            config_errors_add(p->errs, t->file, p->name_line,
                              "name '%s' must match the file name '%s' (rename the file to %s.conf "
                              "or remove the line)",
                              p->name, t->name, p->name);
    }
    /* Inherited from [hub] unless the tenant states its own. */
    if (!tenant_set(p, "currency")) t->currency = xstrdup(cfg->currency);
    if (!tenant_set(p, "buffer")) t->buffer = cfg->buffer;
    if (!tenant_set(p, "hold_ttl")) t->hold_ttl_ms = cfg->hold_ttl_ms;
    if (!tenant_set(p, "map_size_mb")) t->map_size_mb = cfg->map_size_mb;
    if (!t->data_dir) t->data_dir = xasprintf("%s/%s", cfg->data_dir, t->name);

    int ibuf = config_key_index(config_channel_keys, "buffer");
    for (size_t c = 0; c < t->n_channels; c++) {
        struct channel_config *ch = &t->channels[c];
        if (!ch->plugin) ch->plugin = xstrdup(ch->name);
        if (!ch->mapping) ch->mapping = xasprintf("%s/%s.lua", cfg->scripts_dir, ch->plugin);
        if (p->chans[c].set[ibuf] == 0) ch->buffer = t->buffer;
    }
}

static void load_tenant(struct hub_config *cfg, const char *file, char **files, size_t n_files,
                        struct config_errors *errs)
{
    size_t stem_len = strlen(file) - 5; /* ".conf" */
    char *name = xmalloc(stem_len + 1);
    memcpy(name, file, stem_len);
    name[stem_len] = '\0';
    char *path = xasprintf("%s/%s", cfg->dir, file);
    if (!valid_name(name)) {
        config_errors_add(errs, path, 0,
                          "file name '%s' is not a valid tenant name: use a-z, 0-9, _ and - "
                          "(1 to 63 characters, starting with a letter or digit)",
                          name);
        free(name);
        free(path);
        return;
    }
    struct tenant_config t = {.name = name, .file = path};
    store_defaults(config_tenant_keys, &t);
    struct config_parse p = {.path = path, .kind = CONFIG_FILE_TENANT, .errs = errs, .hub = cfg,
                             .tenant = &t};
    if (config_parse_file(&p) == 0) {
        finish_tenant(cfg, &p, files, n_files);
        struct tenant_config *ts = realloc(cfg->tenants, (cfg->n_tenants + 1) * sizeof *ts);
        if (!ts) {
            fputs("hub: out of memory\n", stderr);
            abort();
        }
        cfg->tenants = ts;
        ts[cfg->n_tenants++] = t;
    } else {
        free(t.name);
        free(t.file);
    }
    config_parse_done(&p);
}

/* The *.conf files beside hub.conf, sorted; hidden files are skipped. */
static char **list_tenant_files(const char *dir, size_t *n_out, struct config_errors *errs)
{
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d) {
        config_errors_add(errs, dir, 0, "cannot open the config directory: %s", strerror(errno));
        return NULL;
    }
    char **files = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0) continue;
        if (strcmp(de->d_name, "hub.conf") == 0) continue;
        char **f = realloc(files, (n + 1) * sizeof *f);
        if (!f) {
            fputs("hub: out of memory\n", stderr);
            abort();
        }
        files = f;
        files[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n) qsort(files, n, sizeof *files, cmp_str);
    *n_out = n;
    return files;
}

int config_load(const char *dir, struct hub_config **out, struct config_errors *errs)
{
    struct config_errors local = {0};
    if (!errs) errs = &local; /* the caller does not want the messages */
    if (out) *out = NULL;
    size_t before = errs->n;
    struct hub_config *cfg = xcalloc(1, sizeof *cfg);
    cfg->dir = xstrdup(dir && *dir ? dir : ".");
    size_t dl = strlen(cfg->dir);
    while (dl > 1 && cfg->dir[dl - 1] == '/') cfg->dir[--dl] = '\0';

    size_t n_files = 0;
    char **files = list_tenant_files(cfg->dir, &n_files, errs);
    if (errs->n == before) {
        load_hub(cfg, errs);
        for (size_t i = 0; i < n_files; i++) load_tenant(cfg, files[i], files, n_files, errs);
    }
    for (size_t i = 0; i < n_files; i++) free(files[i]);
    free(files);
    int failed = errs->n > before;
    config_errors_free(&local);
    if (failed || !out) {
        config_free(cfg);
        return failed ? -1 : 0;
    }
    *out = cfg;
    return 0;
}

static void free_channel(struct channel_config *ch)
{
    free(ch->name);
    free(ch->plugin);
    free(ch->mapping);
    free(ch->push_rate);
    for (size_t i = 0; i < ch->n_settings; i++) {
        free(ch->settings[i].key);
        free(ch->settings[i].value);
    }
    free(ch->settings);
}

static void free_tenant(struct tenant_config *t)
{
    free(t->name);
    free(t->file);
    free(t->data_dir);
    free(t->currency);
    free(t->allocation_script);
    free(t->catalog);
    for (size_t i = 0; i < t->n_channels; i++) free_channel(&t->channels[i]);
    free(t->channels);
}

void config_free(struct hub_config *cfg)
{
    if (!cfg) return;
    for (size_t i = 0; i < cfg->n_tenants; i++) free_tenant(&cfg->tenants[i]);
    free(cfg->tenants);
    free(cfg->dir);
    free(cfg->listen);
    free(cfg->data_dir);
    free(cfg->plugin_dir);
    free(cfg->scripts_dir);
    free(cfg->admin_socket);
    free(cfg->currency);
    free(cfg);
}

const struct tenant_config *config_tenant(const struct hub_config *cfg, const char *name)
{
    if (!cfg || !name) return NULL;
    for (size_t i = 0; i < cfg->n_tenants; i++)
        if (strcmp(cfg->tenants[i].name, name) == 0) return &cfg->tenants[i];
    return NULL;
}

const struct channel_config *config_channel(const struct tenant_config *t, const char *name)
{
    if (!t || !name) return NULL;
    for (size_t i = 0; i < t->n_channels; i++)
        if (strcmp(t->channels[i].name, name) == 0) return &t->channels[i];
    return NULL;
}
