/*
 * internal.h - what the files of core/config share and nobody else needs.
 */
#ifndef HUB_CONFIG_INTERNAL_H
#define HUB_CONFIG_INTERNAL_H

#include <stddef.h>

#include "config/config.h"

/* Where a built-in key's value goes once it is checked. */
enum config_field {
    CF_NONE = 0, /* checked only (e.g. [tenant] name, handled by the loader) */
    CF_STR,      /* char *: a copy of the value */
    CF_I64,      /* int64_t: INT as is, DURATION in ms */
    CF_INT,      /* int: ENUM as the index of the choice, BOOL as 0/1 */
    CF_KIB,      /* int64_t: a size ("32MiB", "512KiB", "1GiB", bare = KiB) in KiB */
};

/* One built-in key of [hub], [tenant] or [channel <name>]. */
struct config_key {
    struct hub_config_entry e; /* key, type, default, description, choices, min/max */
    enum config_field field;
    size_t offset; /* into struct hub_config / tenant_config / channel_config */
    /* Extra check after the type check; 0, or -1 with why (no key name). */
    int (*check)(const char *value, char *why, size_t why_len);
    /* Shown as the default when e.default_value is NULL: "[hub] buffer", ... */
    const char *doc_default;
};

#define CONFIG_KEYS_MAX 32 /* more than any table below holds */

extern const struct config_key config_hub_keys[];     /* [hub] in hub.conf */
extern const struct config_key config_tenant_keys[];  /* [tenant] in <tenant>.conf */
extern const struct config_key config_channel_keys[]; /* [channel <name>], built-in part */

/* Index of `key` in a table ending with a NULL key, or -1. */
int config_key_index(const struct config_key *table, const char *key);
size_t config_key_count(const struct config_key *table);
/* Check a value against a built-in key (type, then the extra check). */
int config_key_check(const struct config_key *k, const char *value, char *why, size_t why_len);
/* Store a checked value into the struct at base + k->offset. */
void config_key_store(const struct config_key *k, void *base, const char *value);

/* Extra checks used by the tables. */
int config_check_listen(const char *value, char *why, size_t why_len);
int config_check_currency(const char *value, char *why, size_t why_len);
int config_check_name(const char *value, char *why, size_t why_len);
/* "32MiB" "512KiB" "1GiB" "64M" or a bare number of KiB -> KiB.  0 or -1. */
int config_parse_kib(const char *value, int64_t *out);

/* The closest of `n` candidates to `word` if it is close enough to be a
 * likely typo (case ignored), else NULL. */
const char *config_suggest(const char *word, const char *const *candidates, size_t n);
/* " (did you mean 'x'?)" or "" : for appending to a message. */
void config_suggest_text(char *out, size_t out_len, const char *suggestion);

/* The reason a SECRET value is refused (never quotes the value). */
void config_secret_why(const char *value, char *why, size_t why_len);

/* A channel key whose name says it holds a credential (..token, ..secret,
 * ..password): its value must be a reference even before the plugin is known. */
int config_key_looks_secret(const char *key);

/* ------------------------------------------------------------ one file
 * parse.c reads one .conf with libinih and fills either the hub (hub.conf)
 * or one tenant (<tenant>.conf), recording every problem in errs.          */
enum config_file_kind { CONFIG_FILE_HUB, CONFIG_FILE_TENANT };

struct config_chan_state {
    int set[CONFIG_KEYS_MAX]; /* line where each built-in key was set, 0 = not */
};

struct config_parse {
    const char *path; /* as shown in errors: "<dir>/demo.conf" */
    enum config_file_kind kind;
    struct config_errors *errs;
    struct hub_config *hub;       /* CONFIG_FILE_HUB: filled; else read for defaults */
    struct tenant_config *tenant; /* CONFIG_FILE_TENANT: filled */
    /* what was seen */
    int set[CONFIG_KEYS_MAX]; /* [hub] or [tenant] key -> line, 0 = not set */
    int hub_line, tenant_line;  /* line of the [hub] / [tenant] header, 0 = none */
    char *name;                 /* [tenant] name = ..., NULL if absent */
    int name_line;
    struct config_chan_state *chans; /* parallel to tenant->channels */
    /* reader state */
    const char *data;
    size_t len, pos;
    int line;
    int sect; /* enum in parse.c */
    size_t chan; /* current channel index */
};

/* Parse p->path.  0, or -1 if it could not be read at all (error recorded). */
int config_parse_file(struct config_parse *p);
void config_parse_done(struct config_parse *p);

#endif
