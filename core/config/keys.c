/*
 * keys.c - every built-in key of [hub], [tenant] and [channel <name>], in one
 * table per section: type, default, description (validation, defaults and
 * docs all come from here), and where the value is stored.
 * docs/configuration.md describes the same keys; test_config_docs keeps the two
 * in step.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "config/currency.h"
#include "config/internal.h"

/* ENUM keys are stored as the index of the choice: keep the orders equal. */
_Static_assert(LOG_ERROR == 0 && LOG_WARN == 1 && LOG_INFO == 2 && LOG_DEBUG == 3,
               "log_level choices follow enum log_level");
_Static_assert(HUB_MODE_LIVE == 0 && HUB_MODE_DRY_RUN == 1 && HUB_MODE_PAUSED == 2,
               "mode choices follow enum hub_mode");

#define DAY_MS INT64_C(86400000)
#define RETENTION_MAX_MS (3650 * DAY_MS) /* ten years */

static int check_lua_memory(const char *value, char *why, size_t why_len);
static int check_push_rate(const char *value, char *why, size_t why_len);

#define KEY(k_, type_, def_, desc_) .e = {.key = k_, .type = type_, .default_value = def_, .description = desc_}

#define HUB(member) .offset = offsetof(struct hub_config, member)
#define TEN(member) .offset = offsetof(struct tenant_config, member)
#define CHAN(member) .offset = offsetof(struct channel_config, member)

const struct config_key config_hub_keys[] = {
    {KEY("listen", HUB_CFG_STRING, "127.0.0.1:8080",
         "HTTP listener as host:port ([::1]:8080 for IPv6): webhooks, MCP, /admin, /metrics. "
         "TLS terminates at a reverse proxy."),
     .field = CF_STR, HUB(listen), .check = config_check_listen},
    {KEY("data_dir", HUB_CFG_STRING, "var",
         "Directory of the tenants' stores (<data_dir>/<tenant>/). Env HUB_DATA_DIR overrides."),
     .field = CF_STR, HUB(data_dir)},
    {KEY("plugin_dir", HUB_CFG_STRING, "plugins",
         "Where channel plugins are found as <plugin_dir>/<name>/<name>.so. "
         "Env HUB_PLUGIN_DIR overrides."),
     .field = CF_STR, HUB(plugin_dir)},
    {KEY("scripts_dir", HUB_CFG_STRING, "scripts",
         "Lua scripts: default mappings <scripts_dir>/<plugin>.lua, shared helpers in lib/."),
     .field = CF_STR, HUB(scripts_dir)},
    {KEY("admin_socket", HUB_CFG_STRING, NULL,
         "Unix socket on which hubctl reaches a running hubd."),
     .field = CF_STR, HUB(admin_socket), .doc_default = "<data_dir>/hubd.sock"},
    {KEY("log_level", HUB_CFG_ENUM, "info", "Least severe level logged."),
     .e.choices = "error|warn|info|debug", .field = CF_INT, HUB(log_level)},
    {KEY("log_format", HUB_CFG_ENUM, "text", "Log lines as text or as JSON objects."),
     .e.choices = "text|json", .field = CF_INT, HUB(log_json)},
    {KEY("lua_memory", HUB_CFG_STRING, "32MiB",
         "Memory cap of each Lua state: 512KiB, 32MiB, 1GiB (a bare number is KiB); "
         "1MiB to 4GiB."),
     .field = CF_KIB, HUB(lua_memory_kb), .check = check_lua_memory},
    {KEY("lua_instruction_budget", HUB_CFG_INT, "10000000",
         "Lua instructions one mapping call may run before it is stopped."),
     .e.min = 1000, .e.max = INT64_C(1000000000000), .field = CF_I64,
     HUB(lua_instruction_budget)},
    {KEY("group_commit_max", HUB_CFG_INT, "4096",
         "Most inbound events recorded in one durable LMDB transaction."),
     .e.min = 1, .e.max = 1000000, .field = CF_I64, HUB(group_commit_max)},
    {KEY("buffer", HUB_CFG_INT, "0",
         "Tenant default: units of every SKU kept back from each channel."),
     .e.min = 0, .e.max = INT64_MAX, .field = CF_I64, HUB(buffer)},
    {KEY("hold_ttl", HUB_CFG_DURATION, "15m",
         "Tenant default: how long a cart hold reserves stock; 1s to 7d."),
     .e.min = 1000, .e.max = 7 * DAY_MS, .field = CF_I64, HUB(hold_ttl_ms)},
    {KEY("map_size_mb", HUB_CFG_INT, "4096",
         "Tenant default: LMDB map size in MiB (the most a store may grow to)."),
     .e.min = 1, .e.max = 1048576, .field = CF_I64, HUB(map_size_mb)},
    {KEY("currency", HUB_CFG_STRING, "EUR", "Tenant default: ISO 4217 currency code."),
     .field = CF_STR, HUB(currency), .check = config_check_currency},
    {.e = {.key = NULL}},
};

const struct config_key config_tenant_keys[] = {
    {KEY("name", HUB_CFG_STRING, NULL,
         "Optional; if given it must equal the file name (demo.conf -> demo)."),
     .field = CF_NONE, .check = config_check_name, .doc_default = "the file name"},
    {KEY("currency", HUB_CFG_STRING, NULL,
         "ISO 4217 code of the tenant's prices (three upper-case letters)."),
     .field = CF_STR, TEN(currency), .check = config_check_currency,
     .doc_default = "[hub] currency"},
    {KEY("buffer", HUB_CFG_INT, NULL,
         "Units of every SKU kept back from each channel (channel default)."),
     .e.min = 0, .e.max = INT64_MAX, .field = CF_I64, TEN(buffer), .doc_default = "[hub] buffer"},
    {KEY("hold_ttl", HUB_CFG_DURATION, NULL,
         "How long a cart hold reserves stock before it expires; 1s to 7d."),
     .e.min = 1000, .e.max = 7 * DAY_MS, .field = CF_I64, TEN(hold_ttl_ms),
     .doc_default = "[hub] hold_ttl"},
    {KEY("allocation", HUB_CFG_STRING, NULL,
         "Lua script defining allocate(sku, stock, channel, ctx); without it: "
         "on_hand - reserved - buffer, never below 0."),
     .field = CF_STR, TEN(allocation_script), .doc_default = "built-in rule"},
    {KEY("map_size_mb", HUB_CFG_INT, NULL, "LMDB map size in MiB."),
     .e.min = 1, .e.max = 1048576, .field = CF_I64, TEN(map_size_mb),
     .doc_default = "[hub] map_size_mb"},
    {KEY("catalog", HUB_CFG_STRING, NULL,
         "Sample catalog (JSON lines) that `make run` imports; optional."),
     .field = CF_STR, TEN(catalog), .doc_default = "none"},
    {KEY("data_dir", HUB_CFG_STRING, NULL, "Directory of this tenant's LMDB store."),
     .field = CF_STR, TEN(data_dir), .doc_default = "<[hub] data_dir>/<tenant>"},
    {KEY("idempotency_retention", HUB_CFG_DURATION, "7d",
         "How long the idempotency key of an inbound event is remembered: a redelivery within "
         "it is a duplicate, after it a new event. Keep it longer than every channel's "
         "redelivery window (Shopify retries a webhook for 48h). 0: forever."),
     .e.min = 0, .e.max = RETENTION_MAX_MS, .field = CF_I64, TEN(idempotency_retention_ms)},
    {KEY("inbox_retention", HUB_CFG_DURATION, "30d",
         "How long the record of an applied inbound event is kept in the inbox. 0: forever."),
     .e.min = 0, .e.max = RETENTION_MAX_MS, .field = CF_I64, TEN(inbox_retention_ms)},
    {KEY("housekeeping_interval", HUB_CFG_DURATION, "10m",
         "How often hubd prunes expired idempotency keys and inbox records (also once this long, "
         "at most 1m, after start)."),
     .e.min = 1000, .e.max = DAY_MS, .field = CF_I64, TEN(housekeeping_interval_ms)},
    {.e = {.key = NULL}},
};

const struct config_key config_channel_keys[] = {
    {KEY("plugin", HUB_CFG_STRING, NULL,
         "Plugin serving this channel: <plugin_dir>/<plugin>/<plugin>.so."),
     .field = CF_STR, CHAN(plugin), .check = config_check_name,
     .doc_default = "the channel name"},
    {KEY("mode", HUB_CFG_ENUM, "live",
         "live; dry-run: every request is recorded, nothing leaves the machine; "
         "paused: nothing is pushed or polled."),
     .e.choices = "live|dry-run|paused", .field = CF_INT, CHAN(mode)},
    {KEY("mapping", HUB_CFG_STRING, NULL, "Lua mapping script of this channel."),
     .field = CF_STR, CHAN(mapping), .doc_default = "<scripts_dir>/<plugin>.lua"},
    {KEY("buffer", HUB_CFG_INT, NULL, "Units of every SKU kept back from this channel."),
     .e.min = 0, .e.max = INT64_MAX, .field = CF_I64, CHAN(buffer),
     .doc_default = "[tenant] buffer"},
    {KEY("poll_interval", HUB_CFG_DURATION, "0",
         "How often orders are polled; 0: the plugin's default (or no polling)."),
     .e.min = 0, .e.max = DAY_MS, .field = CF_I64, CHAN(poll_interval_ms)},
    {KEY("reconcile_interval", HUB_CFG_DURATION, "0",
         "How often the channel is read back and compared; 0: only on demand."),
     .e.min = 0, .e.max = 7 * DAY_MS, .field = CF_I64, CHAN(reconcile_interval_ms)},
    {KEY("push_rate", HUB_CFG_STRING, NULL,
         "Push requests per second (a decimal like 0.5 or 40), replacing the plugin's "
         "declared rate: for a bigger plan, or to be gentler; \"unlimited\" lifts it."),
     .field = CF_STR, CHAN(push_rate), .check = check_push_rate,
     .doc_default = "the plugin's"},
    {KEY("push_burst", HUB_CFG_INT, "0",
         "Push requests allowed back to back before push_rate applies; 0: the plugin's."),
     .e.min = 0, .e.max = 100000, .field = CF_I64, CHAN(push_burst)},
    {.e = {.key = NULL}},
};

int config_key_index(const struct config_key *table, const char *key)
{
    for (int i = 0; table[i].e.key; i++)
        if (strcmp(table[i].e.key, key) == 0) return i;
    return -1;
}

size_t config_key_count(const struct config_key *table)
{
    size_t n = 0;
    while (table[n].e.key) n++;
    return n;
}

int config_key_check(const struct config_key *k, const char *value, char *why, size_t why_len)
{
    if (config_value_check(&k->e, value, why, why_len) != 0) return -1;
    return k->check ? k->check(value, why, why_len) : 0;
}

void config_key_store(const struct config_key *k, void *base, const char *value)
{
    char *field = (char *)base + k->offset;
    int64_t v = 0;
    switch (k->field) {
    case CF_NONE:
        return;
    case CF_STR: {
        char **p = (char **)(void *)field;
        free(*p);
        *p = xstrdup(value);
        return;
    }
    case CF_I64:
        if (config_value_int(&k->e, value, &v) == 0) memcpy(field, &v, sizeof v);
        return;
    case CF_INT:
        if (config_value_int(&k->e, value, &v) == 0) {
            int i = (int)v;
            memcpy(field, &i, sizeof i);
        }
        return;
    case CF_KIB:
        if (config_parse_kib(value, &v) == 0) memcpy(field, &v, sizeof v);
        return;
    }
}

/* ------------------------------------------------------------ extra checks */

int config_check_listen(const char *value, char *why, size_t why_len)
{
    const char *colon = strrchr(value, ':');
    int64_t port;
    if (!colon || colon == value || parse_i64(colon + 1, &port) != 0 || port < 1 || port > 65535) {
        snprintf(why, why_len, "must be host:port with a port from 1 to 65535 "
                               "(for example 127.0.0.1:8080), not '%.60s'", value);
        return -1;
    }
    size_t hlen = (size_t)(colon - value);
    if (value[0] == '[') {
        if (hlen < 3 || value[hlen - 1] != ']') {
            snprintf(why, why_len, "has an IPv6 address without its closing ']' (write [::1]:8080)");
            return -1;
        }
    } else if (memchr(value, ':', hlen)) {
        snprintf(why, why_len, "must put an IPv6 address in brackets, like [::1]:8080, not '%.60s'",
                 value);
        return -1;
    }
    for (size_t i = 0; i < hlen; i++) {
        if (value[i] == ' ' || value[i] == '\t' || value[i] == '/') {
            snprintf(why, why_len, "must be host:port (for example 127.0.0.1:8080), not '%.60s'",
                     value);
            return -1;
        }
    }
    return 0;
}

int config_check_currency(const char *value, char *why, size_t why_len)
{
    if (currency_find(value)) return 0;
    size_t n = 0;
    const struct currency *all = currency_list(&n);
    const char **codes = xcalloc(n, sizeof *codes);
    for (size_t i = 0; i < n; i++) codes[i] = all[i].code;
    char sug[64];
    config_suggest_text(sug, sizeof sug, config_suggest(value, codes, n));
    free(codes);
    snprintf(why, why_len, "must be an ISO 4217 currency code such as EUR or USD, not '%.60s'%s",
             value, sug);
    return -1;
}

int config_check_name(const char *value, char *why, size_t why_len)
{
    if (valid_name(value)) return 0;
    snprintf(why, why_len, "must use only a-z, 0-9, _ and - (1 to 63 characters, starting "
                           "with a letter or digit), not '%.60s'", value);
    return -1;
}

static int check_lua_memory(const char *value, char *why, size_t why_len)
{
    int64_t kib;
    if (config_parse_kib(value, &kib) != 0) {
        snprintf(why, why_len, "must be a size like 512KiB, 32MiB or 1GiB (a bare number is KiB), "
                               "not '%.60s'", value);
        return -1;
    }
    if (kib < 1024 || kib > INT64_C(4) * 1024 * 1024) {
        snprintf(why, why_len, "must be between 1MiB and 4GiB, not '%.60s'", value);
        return -1;
    }
    return 0;
}

static int check_push_rate(const char *value, char *why, size_t why_len)
{
    if (strcmp(value, "unlimited") == 0) return 0;
    char *end = NULL;
    double r = strtod(value, &end);
    if (end == value || *end || !(r > 0) || r > 1e6) {
        snprintf(why, why_len, "'push_rate' must be requests per second (0.01 to 1000000) or \"unlimited\", not '%s'",
                 value);
        return -1;
    }
    return 0;
}
