/*
 * config.h - hub-wide and per-tenant configuration (INI, parsed with libinih).
 *
 *   <dir>/hub.conf          [hub] listen, data_dir, plugin_dir, scripts_dir, log_level, ...
 *   <dir>/<tenant>.conf     [tenant] currency, buffer, hold_ttl, ...; [channel <name>] ...
 *
 * Every key is declared in a table (keys.c) giving type, default and
 * description: the same table validates, fills defaults and prints the docs
 * (`hubd --config-doc`, config_print_docs()).  Channel sections also accept the
 * plugin's own keys, validated later against its config map with
 * config_validate_channel().  docs/configuration.md describes every key.
 *
 * Inheritance: [hub] buffer/hold_ttl/map_size_mb/currency are the defaults of
 * every tenant; a tenant's buffer is the default of each of its channels.
 * Relative paths are kept as written and resolve against the working directory.
 *
 * Errors are "file:line: reason" (one per problem; loading collects them all
 * and fails if there is any).  Secrets are references only (env:NAME,
 * file:/path); a literal value for a secret key is an error.
 */
#ifndef HUB_CONFIG_H
#define HUB_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hub/plugin.h"

/* Appended as "file:line: reason", "file: reason" when line is 0, or just
 * "reason" when file is NULL.  Start with a zeroed struct. */
struct config_errors {
    char **items; /* "file:line: reason" */
    size_t n;
};
void config_errors_add(struct config_errors *e, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void config_errors_free(struct config_errors *e);

/* A key = value seen in a section, remembered with where it came from. */
struct config_kv {
    char *key;
    char *value;
    int line;
};

struct channel_config {
    char *name;     /* section name: [channel shopify] -> "shopify" */
    char *plugin;   /* plugin to load; default = name */
    int mode;       /* enum hub_mode */
    char *mapping;  /* Lua script path; default scripts/<plugin>.lua */
    int64_t buffer; /* units kept back from this channel (allocation), default tenant's */
    int64_t poll_interval_ms;      /* 0 = plugin default / none */
    int64_t reconcile_interval_ms; /* 0 = never on schedule */
    char *push_rate;               /* NULL: the plugin's; "unlimited" or requests/s */
    int64_t push_burst;            /* 0: the plugin's */
    struct config_kv *settings;    /* plugin's own keys, in file order */
    size_t n_settings;
    const char *file; /* for errors */
    int line;         /* line of the section header */
};

struct tenant_config {
    char *name;       /* from the file name demo.conf -> "demo"; [tenant] name must match if given */
    char *file;       /* path of the .conf */
    char *data_dir;   /* <hub data_dir>/<name> unless overridden */
    char *currency;   /* ISO 4217, default "EUR" */
    char *allocation_script;  /* Lua file with allocate(); NULL: built-in rule */
    int64_t buffer;           /* default per-channel buffer, >= 0 */
    int64_t hold_ttl_ms;      /* cart holds, default 15 min */
    int64_t map_size_mb;      /* LMDB map size, default 4096 */
    char *catalog;            /* sample catalog path imported by `make run`, optional */
    /* Retention (sync/housekeep.c); 0 = keep forever. */
    int64_t idempotency_retention_ms; /* idempotency keys, default 7 days */
    int64_t inbox_retention_ms;       /* applied inbox records, default 30 days */
    int64_t housekeeping_interval_ms; /* how often both are pruned, default 10 min */
    struct channel_config *channels;
    size_t n_channels;
};

struct hub_config {
    char *dir;          /* the config directory */
    char *listen;       /* "127.0.0.1:8080" */
    char *data_dir;     /* default ./var */
    char *plugin_dir;   /* default ./plugins (HUB_PLUGIN_DIR overrides) */
    char *scripts_dir;  /* default ./scripts */
    char *admin_socket; /* default <data_dir>/hubd.sock */
    int log_level;      /* enum log_level */
    int log_json;
    int64_t lua_memory_kb;          /* per Lua state, default 32768 */
    int64_t lua_instruction_budget; /* per call, default 10,000,000 */
    int64_t group_commit_max;       /* events per durable txn, default 4096 */
    /* Tenant defaults (a tenant file may override each one). */
    int64_t buffer;      /* default 0 */
    int64_t hold_ttl_ms; /* default 15 min */
    int64_t map_size_mb; /* default 4096 */
    char *currency;      /* default "EUR" */
    struct tenant_config *tenants;
    size_t n_tenants;
};

/* Load hub.conf and every *.conf beside it (sorted).  0, or -1 with errs filled
 * (errors are appended; errs may be NULL).  On failure *out is NULL: nothing
 * half-loaded.  out may be NULL to only validate.  Env HUB_PLUGIN_DIR and
 * HUB_DATA_DIR replace [hub] plugin_dir and data_dir. */
int config_load(const char *dir, struct hub_config **out, struct config_errors *errs);
void config_free(struct hub_config *cfg);
const struct tenant_config *config_tenant(const struct hub_config *cfg, const char *name);
const struct channel_config *config_channel(const struct tenant_config *t, const char *name);

/* Check a channel's plugin settings against the plugin's config map: unknown
 * keys, bad types, out of range, missing required, literal secrets.  Errors
 * name the file and line of the offending key (or the section for a missing
 * one).  0 or -1. */
int config_validate_channel(const struct channel_config *ch, const struct hub_config_entry *map,
                            struct config_errors *errs);
/* The effective value of a plugin key: the setting, else the map default, else NULL. */
const char *config_channel_get(const struct channel_config *ch, const struct hub_config_entry *map,
                               const char *key);

/* Resolve a secret reference.  Returns a malloc'd value or NULL with err set
 * (the error never contains the secret).  Trailing newline of a file is cut. */
char *secret_resolve(const char *ref, char *err, size_t err_len);
int secret_ref_valid(const char *ref); /* env:NAME or file:/abs/path */

/* Print the documentation of a config map (hubctl plugins --config) on stdout:
 * a text table, or with json=1 a JSON array of {key, type, default, required,
 * description, choices, min, max}. */
void config_map_print(const struct hub_config_entry *map, int json);
/* Print every [hub], [tenant] and built-in [channel <name>] key (hubd --config-doc):
 * text tables, or with json=1 one JSON object {"hub":[...],"tenant":[...],"channel":[...]}. */
void config_print_docs(int json);
/* The same two, to any stream. */
void config_map_fprint(FILE *f, const struct hub_config_entry *map, int json);
void config_docs_fprint(FILE *f, int json);

/* The entry for `key` in a NULL-key terminated map, or NULL. */
const struct hub_config_entry *config_map_find(const struct hub_config_entry *map, const char *key);
/* Check one value against its entry.  0, or -1 with `why` set to the reason
 * without the key, e.g. "must be an integer, not 'ten'" (a SECRET's value is
 * never quoted in it). */
int config_value_check(const struct hub_config_entry *e, const char *value, char *why,
                       size_t why_len);
/* A checked INT, DURATION (ms) or BOOL (0/1) value as an integer.  0 or -1. */
int config_value_int(const struct hub_config_entry *e, const char *value, int64_t *out);

#endif /* HUB_CONFIG_H */
