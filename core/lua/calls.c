/*
 * calls.c - running to_channel / from_channel / allocate on one loaded state.
 *
 * A batch is one trip: the ctx table is built once, then each item runs in
 * its own protected call (inputs marshaled, function called, result shape
 * checked and marshaled back) with a fresh instruction budget, so one bad
 * item fails alone and the state stays usable.  Items that share the same
 * product object (pointer) in a row share one product table: scripts must
 * treat their inputs as read-only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "common/util.h"
#include "lua/internal.h"
#include "lua/marshal.h"

const char *const mapping_fn_names[MAPPING_FN_COUNT] = {"to_channel", "from_channel", "allocate"};

/* Raise "<script>:<line>: <fn> <msg>" (a shape error found by C). */
static int shape_error(lua_State *L, struct mapping_state *s, enum mapping_fn fn, const char *msg)
{
    lua_pushfstring(L, "%s:%d: %s %s", mapping_sb_name(s->sb), s->line[fn], mapping_fn_names[fn],
                    msg);
    return lua_error(L);
}

static int push_json_protected(lua_State *L)
{
    mapping_json_push(L, lua_touserdata(L, 1));
    return 1;
}

/* Marshal `ctx` onto the stack (protected).  0, or -1 with *error. */
static int push_ctx(struct mapping_state *s, json_t *ctx, const char *what, char **error)
{
    lua_State *L = s->sb->L;
    mapping_sb_call_begin(s->sb);
    lua_pushcfunction(L, push_json_protected);
    lua_pushlightuserdata(L, ctx);
    int st = lua_pcall(L, 1, 1, 0);
    if (st != LUA_OK) {
        *error = mapping_sb_error(s->sb, st, what, 0);
        return -1;
    }
    if (!lua_istable(L, -1)) { /* no ctx: give the script an empty table */
        lua_pop(L, 1);
        lua_newtable(L);
    }
    return 0;
}

/* ------------------------------------------------------------ to_channel */

struct tc_call {
    struct mapping_state *s;
    struct map_item *it;
    int reuse_product;
    json_t *out;
};

/* Stack: 1 = tc_call, 2 = ctx table, 3 = cached product table or nil.
 * Returns the product table (for reuse by the next item). */
static int tc_item(lua_State *L)
{
    struct tc_call *c = lua_touserdata(L, 1);
    if (c->reuse_product)
        lua_pushvalue(L, 3);
    else
        mapping_json_push(L, c->it->product); /* 4 */
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->s->ref[MAPPING_FN_TO]); /* 5 */
    lua_pushvalue(L, 4);
    mapping_json_push(L, c->it->variant);
    mapping_json_push(L, c->it->stock);
    lua_pushvalue(L, 2);
    lua_call(L, 4, 1); /* result at 5 */
    int t = lua_type(L, 5);
    if (t != LUA_TTABLE) {
        char m[96];
        snprintf(m, sizeof m, "returned %s%s, expected a table (the listing object)",
                 t == LUA_TNIL ? "" : "a ", lua_typename(L, t));
        shape_error(L, c->s, MAPPING_FN_TO, m);
    }
    mapping_json_from_lua(L, 5, &c->out, "to_channel result");
    if (!json_is_object(c->out))
        shape_error(L, c->s, MAPPING_FN_TO,
                    "returned an array, expected an object (a table with string keys)");
    lua_settop(L, 4);
    return 1;
}

int mapping_state_to_channel(struct mapping_state *s, struct map_item *items, size_t n,
                             json_t *ctx, char **batch_error)
{
    lua_State *L = s->sb->L;
    *batch_error = NULL;
    for (size_t i = 0; i < n; i++) {
        items[i].result = NULL;
        items[i].error = NULL;
    }
    if (s->ref[MAPPING_FN_TO] == LUA_NOREF) {
        *batch_error = xasprintf("%s defines no to_channel()", mapping_sb_name(s->sb));
        return -1;
    }
    int base = lua_gettop(L);
    if (push_ctx(s, ctx, "to_channel (ctx)", batch_error) != 0) return -1;
    lua_pushnil(L); /* base+2: cached product table */
    const json_t *cached = NULL;
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        struct map_item *it = &items[i];
        if (!json_is_object(it->product) || !json_is_object(it->variant)) {
            it->error = xasprintf("%s: to_channel needs a product object and a variant object",
                                  mapping_sb_name(s->sb));
            failed++;
            continue;
        }
        struct tc_call c = {s, it, cached && cached == it->product, NULL};
        mapping_sb_call_begin(s->sb);
        lua_pushcfunction(L, tc_item);
        lua_pushlightuserdata(L, &c);
        lua_pushvalue(L, base + 1);
        lua_pushvalue(L, base + 2);
        int st = lua_pcall(L, 3, 1, 0);
        if (st == LUA_OK) {
            lua_replace(L, base + 2);
            cached = it->product;
            it->result = c.out;
        } else {
            json_decref(c.out);
            it->error = mapping_sb_error(s->sb, st, "to_channel", s->line[MAPPING_FN_TO]);
            failed++;
            lua_pushnil(L);
            lua_replace(L, base + 2);
            cached = NULL;
        }
    }
    lua_settop(L, base);
    return failed;
}

/* ------------------------------------------------------------ from_channel */

struct fc_call {
    struct mapping_state *s;
    const char *kind;
    json_t *payload;
    json_t *ctx;
    json_t *out;
};

static int fc_run(lua_State *L)
{
    struct fc_call *c = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->s->ref[MAPPING_FN_FROM]); /* 2 */
    lua_pushstring(L, c->kind);
    mapping_json_push(L, c->payload);
    mapping_json_push(L, c->ctx);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
    }
    lua_call(L, 3, 1);
    int t = lua_type(L, 2);
    if (t != LUA_TTABLE) {
        char m[128];
        snprintf(m, sizeof m, "returned %s%s, expected an array of event tables (or {})",
                 t == LUA_TNIL ? "" : "a ", lua_typename(L, t));
        shape_error(L, c->s, MAPPING_FN_FROM, m);
    }
    mapping_json_from_lua(L, 2, &c->out, "from_channel result");
    if (json_is_object(c->out)) {
        if (json_object_size(c->out) != 0)
            shape_error(L, c->s, MAPPING_FN_FROM,
                        "returned an object, expected an array of event tables (wrap one event "
                        "as { event })");
        json_decref(c->out);
        c->out = json_array();
        if (!c->out) return luaL_error(L, "out of memory");
    }
    size_t i;
    json_t *ev;
    json_array_foreach(c->out, i, ev)
    {
        char m[128];
        if (!json_is_object(ev)) {
            snprintf(m, sizeof m, "returned a %s as event %zu, expected an event table",
                     json_is_array(ev) ? "array" : "non-table value", i + 1);
            shape_error(L, c->s, MAPPING_FN_FROM, m);
        }
        json_t *type = json_object_get(ev, "type");
        if (!json_is_string(type) || json_string_length(type) == 0) {
            snprintf(m, sizeof m, "returned event %zu without a string field 'type'", i + 1);
            shape_error(L, c->s, MAPPING_FN_FROM, m);
        }
    }
    return 0;
}

json_t *mapping_state_from_channel(struct mapping_state *s, const char *kind, json_t *payload,
                                   json_t *ctx, char **error)
{
    lua_State *L = s->sb->L;
    *error = NULL;
    if (s->ref[MAPPING_FN_FROM] == LUA_NOREF) {
        *error = xasprintf("%s defines no from_channel()", mapping_sb_name(s->sb));
        return NULL;
    }
    struct fc_call c = {s, kind ? kind : "", payload, ctx, NULL};
    int base = lua_gettop(L);
    mapping_sb_call_begin(s->sb);
    lua_pushcfunction(L, fc_run);
    lua_pushlightuserdata(L, &c);
    int st = lua_pcall(L, 1, 0, 0);
    if (st != LUA_OK) {
        json_decref(c.out);
        *error = mapping_sb_error(s->sb, st, "from_channel", s->line[MAPPING_FN_FROM]);
        lua_settop(L, base);
        return NULL;
    }
    lua_settop(L, base);
    return c.out;
}

/* ------------------------------------------------------------ allocate */

struct al_call {
    struct mapping_state *s;
    const char *sku;
    json_t *stock;
    const char *channel;
    int64_t out;
};

static void describe_float(char *dst, size_t n, double d)
{
    snprintf(dst, n, "%.14g", d);
    if (!strpbrk(dst, ".eEni")) strncat(dst, ".0", n - strlen(dst) - 1);
}

/* Stack: 1 = al_call, 2 = ctx table. */
static int al_item(lua_State *L)
{
    struct al_call *c = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->s->ref[MAPPING_FN_ALLOC]);
    lua_pushstring(L, c->sku);
    mapping_json_push(L, c->stock);
    lua_pushstring(L, c->channel);
    lua_pushvalue(L, 2);
    lua_call(L, 4, 1);
    char m[160], v[64];
    int t = lua_type(L, -1);
    if (t == LUA_TNUMBER && lua_isinteger(L, -1)) {
        lua_Integer q = lua_tointeger(L, -1);
        if (q >= 0) {
            c->out = (int64_t)q;
            return 0;
        }
        snprintf(m, sizeof m, "returned a negative number (%lld), expected an integer >= 0",
                 (long long)q);
    } else if (t == LUA_TNUMBER) {
        describe_float(v, sizeof v, (double)lua_tonumber(L, -1));
        snprintf(m, sizeof m, "returned a float (%s), expected an integer >= 0", v);
    } else if (t == LUA_TSTRING) {
        snprintf(m, sizeof m, "returned a string (\"%.40s\"), expected an integer >= 0",
                 lua_tostring(L, -1));
    } else {
        snprintf(m, sizeof m, "returned %s%s, expected an integer >= 0", t == LUA_TNIL ? "" : "a ",
                 lua_typename(L, t));
    }
    return shape_error(L, c->s, MAPPING_FN_ALLOC, m);
}

int mapping_state_allocate(struct mapping_state *s, const char *const *skus,
                           json_t *const *stocks, size_t n, const char *channel, json_t *ctx,
                           int64_t *out, char **errors, char **batch_error)
{
    lua_State *L = s->sb->L;
    *batch_error = NULL;
    for (size_t i = 0; i < n; i++) {
        out[i] = -1;
        if (errors) errors[i] = NULL;
    }
    if (s->ref[MAPPING_FN_ALLOC] == LUA_NOREF) {
        *batch_error = xasprintf("%s defines no allocate()", mapping_sb_name(s->sb));
        return -1;
    }
    int base = lua_gettop(L);
    if (push_ctx(s, ctx, "allocate (ctx)", batch_error) != 0) return -1;
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        struct al_call c = {s, skus[i] ? skus[i] : "", stocks[i], channel ? channel : "", -1};
        mapping_sb_call_begin(s->sb);
        lua_pushcfunction(L, al_item);
        lua_pushlightuserdata(L, &c);
        lua_pushvalue(L, base + 1);
        int st = lua_pcall(L, 2, 0, 0);
        if (st == LUA_OK) {
            out[i] = c.out;
        } else {
            char *e = mapping_sb_error(s->sb, st, "allocate", s->line[MAPPING_FN_ALLOC]);
            if (errors)
                errors[i] = e;
            else
                free(e);
            failed++;
        }
    }
    lua_settop(L, base);
    return failed;
}
