/*
 * loader_check.c - sanity checks on a plugin descriptor after its ABI header
 * was accepted: name, limits, callbacks per capability, routes, config map.
 * Pure functions over memory (no dlopen), so tests can feed them anything.
 */
#include "plugin/loader.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

int plugin_error(char *err, size_t err_len, const char *name, const char *fmt, ...)
{
    if (!err || err_len == 0) return -1;
    int n = snprintf(err, err_len, "plugin '%s': ", name ? name : "?");
    if (n < 0 || (size_t)n >= err_len) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, err_len - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static const struct {
    uint32_t bit;
    const char *name;
} cap_names[] = {
    {HUB_CAP_STOCK_PUSH, "STOCK_PUSH"},       {HUB_CAP_CATALOG_PUSH, "CATALOG_PUSH"},
    {HUB_CAP_ORDER_WEBHOOK, "ORDER_WEBHOOK"}, {HUB_CAP_ORDER_POLL, "ORDER_POLL"},
    {HUB_CAP_ROUTES, "ROUTES"},               {HUB_CAP_RECONCILE, "RECONCILE"},
    {HUB_CAP_FULFILLMENT, "FULFILLMENT"},
};

const char *plugin_cap_name(uint32_t cap)
{
    for (size_t i = 0; i < ARRAY_LEN(cap_names); i++)
        if (cap_names[i].bit == cap) return cap_names[i].name;
    return "?";
}

/* ------------------------------------------------------------------ limits */

int plugin_check_limits(const struct hub_limits *l, const char *name, char *err, size_t err_len)
{
    if (!isfinite(l->rate_per_sec) || l->rate_per_sec < 0)
        return plugin_error(err, err_len, name,
                            "limits.rate_per_sec is %g; it must be a finite number >= 0 "
                            "(0 means no rate limit)",
                            l->rate_per_sec);
    return 0;
}

void plugin_normalise_limits(struct hub_limits *l)
{
    if (l->batch_max == 0) l->batch_max = PLUGIN_DEFAULT_BATCH_MAX;
    if (l->in_flight == 0) l->in_flight = PLUGIN_DEFAULT_IN_FLIGHT;
    if (l->timeout_ms == 0) l->timeout_ms = PLUGIN_DEFAULT_TIMEOUT_MS;
    if (l->burst == 0 && l->rate_per_sec > 0) {
        double b = ceil(l->rate_per_sec);
        l->burst = b < 1 ? 1u : b > 1e6 ? 1000000u : (uint32_t)b;
    }
}

/* ------------------------------------------------------------------ config map */

static int config_key_ok(const char *k)
{
    if (!k[0] || !(islower((unsigned char)k[0]) || isdigit((unsigned char)k[0]))) return 0;
    size_t n = 0;
    for (; k[n]; n++) {
        unsigned char c = (unsigned char)k[n];
        if (!(islower(c) || isdigit(c) || c == '_')) return 0;
    }
    return n < 64;
}

/* Keys every [channel] section already has (core/config/keys.c): a plugin key
 * of the same name could never be set. */
static const char *const core_channel_keys[] = {
    "plugin", "mode", "mapping", "buffer", "poll_interval", "reconcile_interval", "push_rate", "push_burst",
};

static const char *config_type_name(enum hub_config_type t)
{
    switch (t) {
    case HUB_CFG_STRING: return "STRING";
    case HUB_CFG_INT: return "INT";
    case HUB_CFG_BOOL: return "BOOL";
    case HUB_CFG_ENUM: return "ENUM";
    case HUB_CFG_SECRET: return "SECRET";
    case HUB_CFG_DURATION: return "DURATION";
    case HUB_CFG_URL: return "URL";
    }
    return NULL;
}

/* Is `word` one of the '|' separated `choices`? */
static int choice_in(const char *choices, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = choices;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == wl && memcmp(p, word, n) == 0) return 1;
        if (!bar) return 0;
        p = bar + 1;
    }
}

static int check_choices(const struct hub_config_entry *e, const char *name, char *err,
                         size_t err_len)
{
    if (!e->choices || !e->choices[0])
        return plugin_error(err, err_len, name,
                            "config key '%s' is an ENUM without choices (set .choices = "
                            "\"a|b|c\")",
                            e->key);
    for (const char *p = e->choices;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == 0)
            return plugin_error(err, err_len, name,
                                "config key '%s' has an empty choice in \"%s\"", e->key,
                                e->choices);
        /* a later duplicate of this choice? */
        for (const char *q = bar ? bar + 1 : NULL; q;) {
            const char *bar2 = strchr(q, '|');
            size_t m = bar2 ? (size_t)(bar2 - q) : strlen(q);
            if (m == n && memcmp(p, q, n) == 0)
                return plugin_error(err, err_len, name,
                                    "config key '%s' lists choice '%.*s' twice in \"%s\"",
                                    e->key, (int)n, p, e->choices);
            q = bar2 ? bar2 + 1 : NULL;
        }
        if (!bar) break;
        p = bar + 1;
    }
    return 0;
}

static int bounded(const struct hub_config_entry *e, int64_t v)
{
    return !(e->min < e->max) || (v >= e->min && v <= e->max);
}

static int check_default(const struct hub_config_entry *e, const char *name, char *err,
                         size_t err_len)
{
    const char *d = e->default_value;
    const char *tn = config_type_name(e->type);
    int64_t v = 0;
    int ok = 1;
    switch (e->type) {
    case HUB_CFG_STRING: break;
    case HUB_CFG_INT: ok = parse_i64(d, &v) == 0 && bounded(e, v); break;
    case HUB_CFG_DURATION: ok = parse_duration_ms(d, &v) == 0 && bounded(e, v); break;
    case HUB_CFG_BOOL: ok = parse_bool(d) >= 0; break;
    case HUB_CFG_ENUM: ok = choice_in(e->choices, d); break;
    case HUB_CFG_SECRET:
        ok = (strncmp(d, "env:", 4) == 0 && d[4]) || (strncmp(d, "file:/", 6) == 0 && d[6]);
        break;
    case HUB_CFG_URL:
        ok = (strncmp(d, "http://", 7) == 0 && d[7]) || (strncmp(d, "https://", 8) == 0 && d[8]);
        break;
    }
    if (ok) return 0;
    if ((e->type == HUB_CFG_INT || e->type == HUB_CFG_DURATION) && e->min < e->max)
        return plugin_error(err, err_len, name,
                            "config key '%s' default \"%s\" is not a valid %s in [%lld, %lld]",
                            e->key, d, tn, (long long)e->min, (long long)e->max);
    if (e->type == HUB_CFG_ENUM)
        return plugin_error(err, err_len, name,
                            "config key '%s' default \"%s\" is not one of \"%s\"", e->key, d,
                            e->choices);
    return plugin_error(err, err_len, name, "config key '%s' default \"%s\" is not a valid %s",
                        e->key, d, tn);
}

int plugin_check_config_map(const struct hub_config_entry *map, const char *name, char *err,
                            size_t err_len)
{
    if (!map) return 0;
    size_t n = 0;
    for (; map[n].key; n++) {
        const struct hub_config_entry *e = &map[n];
        if (n >= PLUGIN_MAX_CONFIG_ENTRIES)
            return plugin_error(err, err_len, name,
                                "config map has more than %d entries (missing the {NULL} "
                                "terminator?)",
                                PLUGIN_MAX_CONFIG_ENTRIES);
        if (!config_key_ok(e->key))
            return plugin_error(err, err_len, name,
                                "config key \"%s\" is not a valid key ([a-z0-9_], 1..63, "
                                "starting with a letter or digit)",
                                e->key);
        for (size_t j = 0; j < ARRAY_LEN(core_channel_keys); j++)
            if (strcmp(core_channel_keys[j], e->key) == 0)
                return plugin_error(err, err_len, name,
                                    "config key '%s' is a core channel setting (plugin, mode, "
                                    "mapping, buffer, poll_interval, reconcile_interval, push_rate, push_burst); "
                                    "choose another name",
                                    e->key);
        for (size_t j = 0; j < n; j++)
            if (strcmp(map[j].key, e->key) == 0)
                return plugin_error(err, err_len, name,
                                    "config key '%s' appears twice in the config map (entries "
                                    "%zu and %zu)",
                                    e->key, j, n);
        if (!config_type_name(e->type))
            return plugin_error(err, err_len, name,
                                "config key '%s' has type %d, which is not a HUB_CFG_* type",
                                e->key, (int)e->type);
        if (e->type == HUB_CFG_ENUM && check_choices(e, name, err, err_len) < 0) return -1;
        if (e->type != HUB_CFG_ENUM && e->choices)
            log_warn("plugin", "plugin '%s': config key '%s' has choices but is not an ENUM; "
                     "they are ignored", name, e->key);
        if (e->default_value && check_default(e, name, err, err_len) < 0) return -1;
        if (e->default_value && (e->flags & HUB_CFG_REQUIRED))
            log_warn("plugin", "plugin '%s': config key '%s' is required and has a default; "
                     "the default is never used", name, e->key);
    }
    return 0;
}

/* ------------------------------------------------------------------ routes */

static int method_ok(const char *m)
{
    if (strcmp(m, "*") == 0) return 1;
    if (!m[0] || strlen(m) > 16) return 0;
    for (; *m; m++)
        if (!isupper((unsigned char)*m)) return 0;
    return 1;
}

static int route_path_ok(const char *p)
{
    if (!p[0] || p[0] == '/') return 0;
    const char *star = strchr(p, '*');
    if (star && star[1]) return 0; /* '*' only as the last character */
    for (; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '?' || *p == '#') return 0;
    return 1;
}

static int check_routes(const struct hub_plugin *d, const char *name, char *err, size_t err_len)
{
    const struct hub_route *r = d->routes;
    size_t n = 0;
    for (; r && r[n].method; n++) {
        if (n >= PLUGIN_MAX_ROUTES)
            return plugin_error(err, err_len, name,
                                "routes table has more than %d entries (missing the {NULL} "
                                "terminator?)",
                                PLUGIN_MAX_ROUTES);
        if (!method_ok(r[n].method))
            return plugin_error(err, err_len, name,
                                "route %zu has method \"%s\"; use an upper-case HTTP method or "
                                "\"*\"",
                                n, r[n].method);
        if (!r[n].path || !route_path_ok(r[n].path))
            return plugin_error(err, err_len, name,
                                "route %zu (%s) has path \"%s\"; it must be relative (no leading "
                                "'/'), without spaces, '?' or '#', with '*' only at the end",
                                n, r[n].method, r[n].path ? r[n].path : "(null)");
        if (!r[n].handle)
            return plugin_error(err, err_len, name,
                                "route '%s %s' has no handle callback", r[n].method, r[n].path);
        for (size_t j = 0; j < n; j++)
            if (strcmp(r[j].method, r[n].method) == 0 && strcmp(r[j].path, r[n].path) == 0)
                return plugin_error(err, err_len, name, "route '%s %s' is declared twice",
                                    r[n].method, r[n].path);
    }
    uint32_t need = d->capabilities & (HUB_CAP_ROUTES | HUB_CAP_ORDER_WEBHOOK);
    if (need && n == 0)
        return plugin_error(err, err_len, name,
                            "capability %s needs a non-empty routes table",
                            plugin_cap_name(need & HUB_CAP_ROUTES ? HUB_CAP_ROUTES
                                                                  : HUB_CAP_ORDER_WEBHOOK));
    if (!need && n > 0)
        log_warn("plugin", "plugin '%s': declares %zu route(s) but neither ROUTES nor "
                 "ORDER_WEBHOOK; they will not be served", name, n);
    return 0;
}

/* ------------------------------------------------------------------ descriptor */

int plugin_check_descriptor(const struct hub_plugin *d, const char *name, char *err,
                            size_t err_len)
{
    if (!d->name)
        return plugin_error(err, err_len, name,
                            "descriptor has no name (it must equal the folder name '%s')", name);
    if (strcmp(d->name, name) != 0)
        return plugin_error(err, err_len, name,
                            "descriptor names itself '%s'; a plugin's name must equal its "
                            "folder name '%s'",
                            d->name, name);
    if (!valid_name(d->name))
        return plugin_error(err, err_len, name,
                            "'%s' is not a valid plugin name ([a-z0-9_-], 1..63)", d->name);
    if (plugin_check_limits(&d->limits, name, err, err_len) < 0) return -1;

    if (!d->init) return plugin_error(err, err_len, name, "missing required callback init");
    if (!d->destroy) return plugin_error(err, err_len, name, "missing required callback destroy");
    const struct {
        uint32_t cap;
        int present;
        const char *cb;
    } needs[] = {
        {HUB_CAP_STOCK_PUSH, d->push_batch != NULL, "push_batch"},
        {HUB_CAP_CATALOG_PUSH, d->push_batch != NULL, "push_batch"},
        {HUB_CAP_FULFILLMENT, d->push_batch != NULL, "push_batch"},
        {HUB_CAP_ORDER_POLL, d->poll != NULL, "poll"},
        {HUB_CAP_RECONCILE, d->reconcile != NULL, "reconcile"},
    };
    for (size_t i = 0; i < ARRAY_LEN(needs); i++)
        if ((d->capabilities & needs[i].cap) && !needs[i].present)
            return plugin_error(err, err_len, name,
                                "capability %s needs the %s callback, which is NULL",
                                plugin_cap_name(needs[i].cap), needs[i].cb);
    if (check_routes(d, name, err, err_len) < 0) return -1;
    return plugin_check_config_map(d->config, name, err, err_len);
}
