/*
 * mapping.c - struct mapping: one script, its running state, reload, status.
 */
#include "lua/mapping.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "common/crypto.h"
#include "common/log.h"
#include "common/util.h"
#include "lua/internal.h"

#define DEFAULT_MEMORY (32u << 20)
#define DEFAULT_BUDGET 10000000u

struct mapping {
    char *scripts_dir;
    char *path;
    struct mapping_limits limits;
    struct mapping_state *st;
    uint64_t version;
    uint64_t loaded_ms;
    uint64_t reload_failures;
    uint64_t calls, call_failures;
    char *last_error;
};

/* ------------------------------------------------------------ loading one state */

void mapping_state_free(struct mapping_state *s)
{
    if (!s) return;
    mapping_sb_free(s->sb);
    free(s);
}

struct mapping_state *mapping_state_load(const char *scripts_dir, const char *path,
                                         const struct mapping_limits *lim, char *err,
                                         size_t err_len)
{
    size_t len = 0;
    char *src = read_file(path, &len);
    if (!src) {
        snprintf(err, err_len, "%s: cannot read the script: %s", path, strerror(errno));
        return NULL;
    }
    struct mapping_state *s = xcalloc(1, sizeof *s);
    unsigned char digest[32];
    hub_sha256(src, len, digest);
    hub_hex_encode(digest, sizeof digest, s->sha256);
    for (int i = 0; i < MAPPING_FN_COUNT; i++) s->ref[i] = LUA_NOREF;

    s->sb = mapping_sb_new(scripts_dir, lim->memory_bytes, lim->instruction_budget, err, err_len);
    if (!s->sb || mapping_sb_load(s->sb, path, src, len, err, err_len) != 0) goto fail;
    free(src);
    src = NULL;

    lua_State *L = s->sb->L;
    int found = 0;
    for (int i = 0; i < MAPPING_FN_COUNT; i++) {
        int t = mapping_sb_getglobal(s->sb, mapping_fn_names[i]);
        if (t == LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }
        if (t != LUA_TFUNCTION) {
            snprintf(err, err_len, "%s: global '%s' is a %s, expected a function", path,
                     mapping_fn_names[i], lua_typename(L, t));
            lua_pop(L, 1);
            goto fail;
        }
        lua_Debug ar;
        lua_pushvalue(L, -1);
        lua_getinfo(L, ">S", &ar);
        s->line[i] = ar.linedefined > 0 ? ar.linedefined : 1;
        s->ref[i] = luaL_ref(L, LUA_REGISTRYINDEX);
        found++;
    }
    if (!found) {
        snprintf(err, err_len, "%s: defines none of to_channel, from_channel, allocate", path);
        goto fail;
    }
    /* A listing that shows stock (e.g. "sold out" badges) is re-mapped on every
     * stock change; by default only catalog changes re-map (quantities travel
     * separately), which keeps a stock change cheap. */
    int ft = mapping_sb_getglobal(s->sb, "listing_uses_stock");
    if (ft != LUA_TNIL && ft != LUA_TBOOLEAN) {
        snprintf(err, err_len, "%s: global 'listing_uses_stock' is a %s, expected true or false", path,
                 lua_typename(L, ft));
        lua_pop(L, 1);
        goto fail;
    }
    s->listing_uses_stock = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (mapping_smoke_test(s, err, err_len) != 0) goto fail;
    return s;
fail:
    free(src);
    mapping_state_free(s);
    return NULL;
}

/* ------------------------------------------------------------ open, close, reload */

static char *resolve_path(const char *scripts_dir, const char *script_path)
{
    if (script_path[0] == '/' || access(script_path, F_OK) == 0 || !scripts_dir)
        return xstrdup(script_path);
    char *alt = xasprintf("%s/%s", scripts_dir, script_path);
    if (access(alt, F_OK) == 0) return alt;
    free(alt);
    return xstrdup(script_path);
}

int mapping_open(struct mapping **out, const char *scripts_dir, const char *script_path,
                 const struct mapping_limits *limits, char *err, size_t err_len)
{
    *out = NULL;
    if (!script_path || !*script_path) {
        snprintf(err, err_len, "mapping: no script path given");
        return -1;
    }
    struct mapping *m = xcalloc(1, sizeof *m);
    m->scripts_dir = xstrdup(scripts_dir && *scripts_dir ? scripts_dir : "scripts");
    m->path = resolve_path(m->scripts_dir, script_path);
    m->limits.memory_bytes = limits && limits->memory_bytes ? limits->memory_bytes : DEFAULT_MEMORY;
    m->limits.instruction_budget =
        limits && limits->instruction_budget ? limits->instruction_budget : DEFAULT_BUDGET;
    m->st = mapping_state_load(m->scripts_dir, m->path, &m->limits, err, err_len);
    if (!m->st) {
        mapping_close(m);
        return -1;
    }
    m->version = 1;
    m->loaded_ms = now_ms();
    *out = m;
    return 0;
}

void mapping_close(struct mapping *m)
{
    if (!m) return;
    mapping_state_free(m->st);
    free(m->scripts_dir);
    free(m->path);
    free(m->last_error);
    free(m);
}

static void set_last_error(struct mapping *m, const char *msg)
{
    free(m->last_error);
    m->last_error = msg ? xstrdup(msg) : NULL;
}

int mapping_reload(struct mapping *m, char *err, size_t err_len)
{
    char e[1024] = "";
    struct mapping_state *s = mapping_state_load(m->scripts_dir, m->path, &m->limits, e, sizeof e);
    if (!s) {
        m->reload_failures++;
        char *msg = xasprintf("reload refused, version %llu keeps running: %s",
                              (unsigned long long)m->version, e);
        set_last_error(m, msg);
        log_warn("lua", "%s", msg);
        free(msg);
        if (err && err_len) snprintf(err, err_len, "%s", e);
        return -1;
    }
    mapping_state_free(m->st);
    m->st = s;
    m->version++;
    m->loaded_ms = now_ms();
    log_info("lua", "%s: version %llu loaded (sha256 %.12s)", m->path,
             (unsigned long long)m->version, s->sha256);
    return 0;
}

int mapping_has(const struct mapping *m, const char *function)
{
    if (!m || !function) return 0;
    for (int i = 0; i < MAPPING_FN_COUNT; i++)
        if (strcmp(function, mapping_fn_names[i]) == 0) return m->st->ref[i] != LUA_NOREF;
    return 0;
}

int mapping_listing_uses_stock(const struct mapping *m)
{
    return m && m->st->listing_uses_stock;
}

void mapping_status(const struct mapping *m, struct mapping_status *out)
{
    memset(out, 0, sizeof *out);
    out->path = m->path;
    out->version = m->version;
    out->loaded_ms = m->loaded_ms;
    memcpy(out->sha256, m->st->sha256, sizeof out->sha256);
    out->reload_failures = m->reload_failures;
    out->last_error = m->last_error;
    out->calls = m->calls;
    out->call_failures = m->call_failures;
    out->memory_bytes = m->st->sb->mem_used;
}

const char *mapping_path(const struct mapping *m) { return m->path; }
const char *mapping_scripts_dir(const struct mapping *m) { return m->scripts_dir; }

/* ------------------------------------------------------------ calls */

int mapping_to_channel(struct mapping *m, struct map_item *items, size_t n, json_t *ctx)
{
    char *batch = NULL;
    int failed = mapping_state_to_channel(m->st, items, n, ctx, &batch);
    m->calls += n;
    if (failed < 0) {
        m->call_failures += n;
        set_last_error(m, batch);
        for (size_t i = 0; i < n; i++) items[i].error = xstrdup(batch);
        free(batch);
        return -1;
    }
    m->call_failures += (uint64_t)failed;
    if (failed)
        for (size_t i = n; i-- > 0;)
            if (items[i].error) {
                set_last_error(m, items[i].error);
                break;
            }
    return failed;
}

json_t *mapping_from_channel(struct mapping *m, const char *kind, json_t *payload, json_t *ctx,
                             char **error)
{
    char *e = NULL;
    json_t *r = mapping_state_from_channel(m->st, kind, payload, ctx, &e);
    m->calls++;
    if (!r) {
        m->call_failures++;
        set_last_error(m, e);
    }
    if (error)
        *error = e;
    else
        free(e);
    return r;
}

int mapping_allocate(struct mapping *m, const char *const *skus, json_t *const *stocks, size_t n,
                     const char *channel, json_t *ctx, int64_t *out, char **errors)
{
    char *batch = NULL;
    /* keep the messages even when the caller does not want them: last_error */
    char **errs = errors ? errors : xcalloc(n ? n : 1, sizeof *errs);
    int failed = mapping_state_allocate(m->st, skus, stocks, n, channel, ctx, out, errs, &batch);
    m->calls += n;
    if (failed < 0) {
        m->call_failures += n;
        set_last_error(m, batch);
        if (errors)
            for (size_t i = 0; i < n; i++) errors[i] = xstrdup(batch);
        free(batch);
    } else {
        m->call_failures += (uint64_t)failed;
        if (failed)
            for (size_t i = n; i-- > 0;)
                if (errs[i]) {
                    set_last_error(m, errs[i]);
                    break;
                }
    }
    if (!errors) {
        for (size_t i = 0; i < n; i++) free(errs[i]);
        free(errs);
    }
    return failed;
}
