/* docs.c - documentation tables printed from config maps and key tables
 * (hubd --config-doc, hubctl plugins --config <name>). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "config/internal.h"

struct doc_row {
    const struct hub_config_entry *e;
    const char *type_override; /* "size" for CF_KIB keys */
    const char *doc_default;   /* shown when there is no default value */
};

static const char *type_name(enum hub_config_type t)
{
    switch (t) {
    case HUB_CFG_STRING: return "string";
    case HUB_CFG_INT: return "int";
    case HUB_CFG_BOOL: return "bool";
    case HUB_CFG_ENUM: return "enum";
    case HUB_CFG_SECRET: return "secret";
    case HUB_CFG_DURATION: return "duration";
    case HUB_CFG_URL: return "url";
    }
    return "?";
}

static void bound_text(const struct hub_config_entry *e, int64_t v, char *out, size_t n)
{
    if (e->type == HUB_CFG_DURATION) {
        if (v % 86400000 == 0 && v) snprintf(out, n, "%" PRId64 "d", v / 86400000);
        else if (v % 3600000 == 0 && v) snprintf(out, n, "%" PRId64 "h", v / 3600000);
        else if (v % 60000 == 0 && v) snprintf(out, n, "%" PRId64 "m", v / 60000);
        else if (v % 1000 == 0) snprintf(out, n, "%" PRId64 "s", v / 1000);
        else snprintf(out, n, "%" PRId64 "ms", v);
    } else {
        snprintf(out, n, "%" PRId64, v);
    }
}

/* "int 0..", "duration 1s..7d", "enum live|dry-run|paused", "secret". */
static void type_text(const struct doc_row *r, char *out, size_t n)
{
    const struct hub_config_entry *e = r->e;
    if (r->type_override) {
        snprintf(out, n, "%s", r->type_override);
    } else if (e->type == HUB_CFG_ENUM) {
        snprintf(out, n, "enum %s", e->choices ? e->choices : "");
    } else if ((e->type == HUB_CFG_INT || e->type == HUB_CFG_DURATION) && e->min < e->max) {
        char lo[32], hi[32];
        bound_text(e, e->min, lo, sizeof lo);
        bound_text(e, e->max, hi, sizeof hi);
        if (e->max == INT64_MAX) snprintf(out, n, "%s >= %s", type_name(e->type), lo);
        else if (e->min == INT64_MIN) snprintf(out, n, "%s <= %s", type_name(e->type), hi);
        else snprintf(out, n, "%s %s..%s", type_name(e->type), lo, hi);
    } else {
        snprintf(out, n, "%s", type_name(e->type));
    }
}

static const char *default_text(const struct doc_row *r)
{
    if (r->e->default_value) return r->e->default_value;
    if (r->e->flags & HUB_CFG_REQUIRED) return "(required)";
    return r->doc_default ? r->doc_default : "-";
}

static void print_text(FILE *f, const struct doc_row *rows, size_t n)
{
    size_t wk = 3, wt = 4, wd = 7;
    char type[600];
    for (size_t i = 0; i < n; i++) {
        type_text(&rows[i], type, sizeof type);
        if (strlen(rows[i].e->key) > wk) wk = strlen(rows[i].e->key);
        if (strlen(type) > wt) wt = strlen(type);
        if (strlen(default_text(&rows[i])) > wd) wd = strlen(default_text(&rows[i]));
    }
    fprintf(f, "%-*s  %-*s  %-*s  %s\n", (int)wk, "KEY", (int)wt, "TYPE", (int)wd, "DEFAULT",
            "DESCRIPTION");
    for (size_t i = 0; i < n; i++) {
        type_text(&rows[i], type, sizeof type);
        fprintf(f, "%-*s  %-*s  %-*s  %s\n", (int)wk, rows[i].e->key, (int)wt, type, (int)wd,
                default_text(&rows[i]), rows[i].e->description ? rows[i].e->description : "");
    }
}

static json_t *rows_json(const struct doc_row *rows, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct hub_config_entry *e = rows[i].e;
        json_t *o = json_object();
        json_object_set_new(o, "key", json_string(e->key));
        json_object_set_new(o, "type", json_string(rows[i].type_override ? rows[i].type_override
                                                                         : type_name(e->type)));
        json_object_set_new(o, "default",
                            e->default_value ? json_string(e->default_value) : json_null());
        if (!e->default_value && rows[i].doc_default)
            json_object_set_new(o, "default_from", json_string(rows[i].doc_default));
        json_object_set_new(o, "required", json_boolean(e->flags & HUB_CFG_REQUIRED));
        json_object_set_new(o, "description", json_string(e->description ? e->description : ""));
        if (e->type == HUB_CFG_ENUM && e->choices) {
            json_t *c = json_array();
            char store[512];
            str_copy(store, e->choices, sizeof store);
            char *save = NULL;
            for (char *t = strtok_r(store, "|", &save); t; t = strtok_r(NULL, "|", &save))
                json_array_append_new(c, json_string(t));
            json_object_set_new(o, "choices", c);
        }
        if ((e->type == HUB_CFG_INT || e->type == HUB_CFG_DURATION) && e->min < e->max) {
            if (e->min != INT64_MIN) json_object_set_new(o, "min", json_integer(e->min));
            if (e->max != INT64_MAX) json_object_set_new(o, "max", json_integer(e->max));
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

static void dump_json(FILE *f, json_t *v)
{
    json_dumpf(v, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(v);
}

static struct doc_row *map_rows(const struct hub_config_entry *map, size_t *n)
{
    size_t c = 0;
    while (map && map[c].key) c++;
    struct doc_row *rows = xcalloc(c ? c : 1, sizeof *rows);
    for (size_t i = 0; i < c; i++) rows[i].e = &map[i];
    *n = c;
    return rows;
}

static struct doc_row *key_rows(const struct config_key *table, size_t *n)
{
    size_t c = config_key_count(table);
    struct doc_row *rows = xcalloc(c ? c : 1, sizeof *rows);
    for (size_t i = 0; i < c; i++) {
        rows[i].e = &table[i].e;
        rows[i].type_override = table[i].field == CF_KIB ? "size" : NULL;
        rows[i].doc_default = table[i].doc_default;
    }
    *n = c;
    return rows;
}

void config_map_fprint(FILE *f, const struct hub_config_entry *map, int json)
{
    size_t n;
    struct doc_row *rows = map_rows(map, &n);
    if (json) dump_json(f, rows_json(rows, n));
    else if (n == 0) fputs("(no settings)\n", f);
    else print_text(f, rows, n);
    free(rows);
}

void config_map_print(const struct hub_config_entry *map, int json)
{
    config_map_fprint(stdout, map, json);
}

void config_docs_fprint(FILE *f, int json)
{
    static const struct {
        const char *name, *title;
        const struct config_key *table;
    } sections[] = {
        {"hub", "[hub] in hub.conf", config_hub_keys},
        {"tenant", "[tenant] in <tenant>.conf", config_tenant_keys},
        {"channel", "[channel <name>] in <tenant>.conf (plus the plugin's own keys: "
                    "hubctl plugins --config <plugin>)", config_channel_keys},
    };
    json_t *all = json ? json_object() : NULL;
    for (size_t s = 0; s < ARRAY_LEN(sections); s++) {
        size_t n;
        struct doc_row *rows = key_rows(sections[s].table, &n);
        if (json) {
            json_object_set_new(all, sections[s].name, rows_json(rows, n));
        } else {
            fprintf(f, "%s%s\n\n", s ? "\n" : "", sections[s].title);
            print_text(f, rows, n);
        }
        free(rows);
    }
    if (json) dump_json(f, all);
}

void config_print_docs(int json)
{
    config_docs_fprint(stdout, json);
}
