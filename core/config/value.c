/* value.c - the type system of config maps: one checker for hub's own keys
 * and for every plugin's keys (enum hub_config_type). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "config/internal.h"

const struct hub_config_entry *config_map_find(const struct hub_config_entry *map, const char *key)
{
    if (!map || !key) return NULL;
    for (const struct hub_config_entry *e = map; e->key; e++)
        if (strcmp(e->key, key) == 0) return e;
    return NULL;
}

/* "15m", "250ms", "1d": the largest unit that divides ms exactly. */
static void duration_text(int64_t ms, char *out, size_t n)
{
    static const struct { int64_t ms; const char *unit; } units[] = {
        {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"},
    };
    for (size_t i = 0; i < ARRAY_LEN(units); i++) {
        if (ms != 0 && ms % units[i].ms == 0) {
            snprintf(out, n, "%" PRId64 "%s", ms / units[i].ms, units[i].unit);
            return;
        }
    }
    snprintf(out, n, "%" PRId64 "ms", ms);
}

static void range_text(const struct hub_config_entry *e, char *out, size_t n)
{
    char lo[32], hi[32];
    if (e->type == HUB_CFG_DURATION) {
        duration_text(e->min, lo, sizeof lo);
        duration_text(e->max, hi, sizeof hi);
    } else {
        snprintf(lo, sizeof lo, "%" PRId64, e->min);
        snprintf(hi, sizeof hi, "%" PRId64, e->max);
    }
    if (e->max == INT64_MAX) snprintf(out, n, ">= %s", lo);
    else if (e->min == INT64_MIN) snprintf(out, n, "<= %s", hi);
    else snprintf(out, n, "between %s and %s", lo, hi);
}

static int check_range(const struct hub_config_entry *e, int64_t v, const char *value, char *why,
                       size_t why_len)
{
    if (e->min < e->max && (v < e->min || v > e->max)) {
        char r[80];
        range_text(e, r, sizeof r);
        snprintf(why, why_len, "must be %s, not '%s'", r, value);
        return -1;
    }
    return 0;
}

/* The choice list "a|b|c" as up to 32 pointers into `store`. */
static size_t split_choices(const char *choices, char *store, size_t store_len,
                            const char **out, size_t max)
{
    size_t n = 0;
    if (!choices) return 0;
    str_copy(store, choices, store_len);
    char *save = NULL;
    for (char *tok = strtok_r(store, "|", &save); tok && n < max; tok = strtok_r(NULL, "|", &save))
        out[n++] = tok;
    return n;
}

static int enum_index(const char *choices, const char *value)
{
    char store[512];
    const char *c[32];
    size_t n = split_choices(choices, store, sizeof store, c, ARRAY_LEN(c));
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i], value) == 0) return (int)i;
    return -1;
}

static int url_valid(const char *v)
{
    size_t skip;
    if (strncasecmp(v, "https://", 8) == 0) skip = 8;
    else if (strncasecmp(v, "http://", 7) == 0) skip = 7;
    else return 0;
    if (!v[skip] || v[skip] == '/' || v[skip] == ':') return 0; /* no host */
    for (const char *p = v; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) return 0;
    return 1;
}

void config_secret_why(const char *value, char *why, size_t why_len)
{
    if (strncmp(value, "env:", 4) == 0)
        snprintf(why, why_len, "must name an environment variable as env:NAME "
                               "(A-Z, 0-9 and _, not starting with a digit)");
    else if (strncmp(value, "file:", 5) == 0)
        snprintf(why, why_len, "must be file: followed by an absolute path (file:/path)");
    else
        snprintf(why, why_len, "must be a reference (env:NAME or file:/path), not a literal value");
}

int config_value_check(const struct hub_config_entry *e, const char *value, char *why,
                       size_t why_len)
{
    int64_t v;
    if (!value || !*value) {
        snprintf(why, why_len, "has an empty value (remove the line to use the default)");
        return -1;
    }
    switch (e->type) {
    case HUB_CFG_STRING:
        return 0;
    case HUB_CFG_INT:
        if (parse_i64(value, &v) != 0) {
            snprintf(why, why_len, "must be an integer, not '%.60s'", value);
            return -1;
        }
        return check_range(e, v, value, why, why_len);
    case HUB_CFG_BOOL:
        if (parse_bool(value) < 0) {
            snprintf(why, why_len, "must be true or false (yes/no, on/off, 1/0 also work), not '%.60s'",
                     value);
            return -1;
        }
        return 0;
    case HUB_CFG_ENUM:
        if (enum_index(e->choices, value) < 0) {
            char store[512], sug[96];
            const char *c[32];
            size_t n = split_choices(e->choices, store, sizeof store, c, ARRAY_LEN(c));
            config_suggest_text(sug, sizeof sug, config_suggest(value, c, n));
            snprintf(why, why_len, "must be one of %s, not '%.60s'%s", e->choices ? e->choices : "",
                     value, sug);
            return -1;
        }
        return 0;
    case HUB_CFG_SECRET:
        if (!secret_ref_valid(value)) {
            config_secret_why(value, why, why_len);
            return -1;
        }
        return 0;
    case HUB_CFG_DURATION:
        if (parse_duration_ms(value, &v) != 0) {
            snprintf(why, why_len, "must be a duration like 250ms, 30s, 5m, 2h or 1d, not '%.60s'",
                     value);
            return -1;
        }
        return check_range(e, v, value, why, why_len);
    case HUB_CFG_URL:
        if (!url_valid(value)) {
            snprintf(why, why_len, "must be an http:// or https:// URL, not '%.60s'", value);
            return -1;
        }
        return 0;
    }
    snprintf(why, why_len, "has an unknown type %d in its config map", (int)e->type);
    return -1;
}

int config_value_int(const struct hub_config_entry *e, const char *value, int64_t *out)
{
    char why[16];
    if (!e || !value || config_value_check(e, value, why, sizeof why) != 0) return -1;
    switch (e->type) {
    case HUB_CFG_INT: return parse_i64(value, out);
    case HUB_CFG_DURATION: return parse_duration_ms(value, out);
    case HUB_CFG_BOOL: *out = parse_bool(value); return 0;
    case HUB_CFG_ENUM: *out = enum_index(e->choices, value); return 0;
    default: return -1;
    }
}

int config_parse_kib(const char *value, int64_t *out)
{
    static const struct { const char *unit; int64_t kib; } units[] = {
        {"", 1},          {"k", 1},          {"kb", 1},          {"kib", 1},
        {"m", 1024},      {"mb", 1024},      {"mib", 1024},
        {"g", 1024 * 1024}, {"gb", 1024 * 1024}, {"gib", 1024 * 1024},
    };
    if (!value || !isdigit((unsigned char)*value)) return -1;
    int64_t n = 0;
    const char *p = value;
    for (; isdigit((unsigned char)*p); p++) {
        if (n > (INT64_MAX - 9) / 10) return -1;
        n = n * 10 + (*p - '0');
    }
    for (size_t i = 0; i < ARRAY_LEN(units); i++) {
        if (strcasecmp(p, units[i].unit) == 0) {
            if (n > INT64_MAX / units[i].kib) return -1;
            *out = n * units[i].kib;
            return 0;
        }
    }
    return -1;
}

int config_key_looks_secret(const char *key)
{
    static const char *const suffixes[] = {"token", "secret", "password"};
    size_t n = strlen(key);
    for (size_t i = 0; i < ARRAY_LEN(suffixes); i++) {
        size_t m = strlen(suffixes[i]);
        if (n >= m && strcasecmp(key + n - m, suffixes[i]) == 0) return 1;
    }
    return 0;
}
