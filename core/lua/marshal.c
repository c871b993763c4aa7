/* marshal.c - JSON <-> Lua.  See marshal.h. */
#include "lua/marshal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "lua/sandbox.h"

/* ------------------------------------------------------------ JSON -> Lua */

struct push_ctx {
    lua_State *L;
    int array_mt; /* stack index of the hub.array metatable */
};

static void push_value(struct push_ctx *c, const json_t *j, int depth)
{
    lua_State *L = c->L;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        if (depth >= MAPPING_JSON_MAX_DEPTH)
            luaL_error(L, "input nested deeper than %d levels", MAPPING_JSON_MAX_DEPTH);
        luaL_checkstack(L, 4, "input too deep");
        size_t n = json_object_size(j);
        lua_createtable(L, 0, n > 1024 ? 1024 : (int)n);
        const char *key;
        size_t klen;
        json_t *v;
        json_object_keylen_foreach((json_t *)j, key, klen, v)
        {
            if (json_is_null(v)) continue;
            lua_pushlstring(L, key, klen);
            push_value(c, v, depth + 1);
            lua_rawset(L, -3);
        }
        break;
    }
    case JSON_ARRAY: {
        if (depth >= MAPPING_JSON_MAX_DEPTH)
            luaL_error(L, "input nested deeper than %d levels", MAPPING_JSON_MAX_DEPTH);
        luaL_checkstack(L, 4, "input too deep");
        size_t n = json_array_size(j);
        lua_createtable(L, n > 1u << 20 ? 1 << 20 : (int)n, 0);
        for (size_t i = 0; i < n; i++) {
            push_value(c, json_array_get(j, i), depth + 1);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_pushvalue(L, c->array_mt);
        lua_setmetatable(L, -2);
        break;
    }
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(j));
        break;
    case JSON_REAL:
        lua_pushnumber(L, (lua_Number)json_real_value(j));
        break;
    case JSON_TRUE:
        lua_pushboolean(L, 1);
        break;
    case JSON_FALSE:
        lua_pushboolean(L, 0);
        break;
    case JSON_NULL:
    default:
        lua_pushlightuserdata(L, (void *)&mapping_sb_null_key);
        break;
    }
}

void mapping_json_push(lua_State *L, const json_t *j)
{
    struct push_ctx c = {L, 0};
    luaL_checkstack(L, 6, "out of stack");
    lua_rawgetp(L, LUA_REGISTRYINDEX, &mapping_sb_array_mt_key);
    c.array_mt = lua_gettop(L);
    if (!j)
        lua_pushnil(L);
    else
        push_value(&c, j, 0);
    lua_remove(L, c.array_mt);
}

/* ------------------------------------------------------------ Lua -> JSON */

struct path_elem {
    const char *key; /* NULL: index */
    size_t klen;
    lua_Integer index;
};

struct pull_ctx {
    lua_State *L;
    const char *what;
    json_t **root;
    int depth;
    struct path_elem path[MAPPING_JSON_MAX_DEPTH + 1];
    const void *seen[MAPPING_JSON_MAX_DEPTH + 1];
};

/* Raise "<what> at $.a.b[2]: <msg>". */
static int pull_error(struct pull_ctx *c, const char *msg)
{
    char path[512] = "$";
    size_t n = 1;
    for (int i = 0; i < c->depth && n < sizeof path - 80; i++) {
        const struct path_elem *p = &c->path[i];
        int w;
        if (p->key)
            w = snprintf(path + n, sizeof path - n, ".%.*s", (int)(p->klen > 64 ? 64 : p->klen),
                         p->key);
        else
            w = snprintf(path + n, sizeof path - n, "[%lld]", (long long)p->index);
        if (w > 0) n += (size_t)w;
    }
    lua_pushfstring(c->L, "%s at %s: %s", c->what, path, msg);
    return lua_error(c->L);
}

/* Plain ASCII (no byte >= 0x80) is valid UTF-8: the common case skips
 * jansson's own validation.  Anything else is checked by jansson. */
static int is_ascii(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++) acc |= p[i];
    return acc < 0x80;
}

static void attach(struct pull_ctx *c, json_t *parent, const char *k, size_t kl, json_t *v)
{
    if (!v) pull_error(c, "out of memory");
    if (!parent) {
        *c->root = v;
        return;
    }
    int rc;
    if (!k)
        rc = json_array_append_new(parent, v);
    else if (is_ascii(k, kl))
        rc = json_object_setn_new_nocheck(parent, k, kl, v);
    else
        rc = json_object_setn_new(parent, k, kl, v);
    if (rc != 0) pull_error(c, k ? "key is not valid UTF-8" : "out of memory");
}

static void pull_value(struct pull_ctx *c, int idx, json_t *parent, const char *k, size_t kl);

static int is_marked_array(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx)) return 0;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &mapping_sb_array_mt_key);
    int r = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return r;
}

static void pull_table(struct pull_ctx *c, int idx, json_t *parent, const char *k, size_t kl)
{
    lua_State *L = c->L;
    if (c->depth >= MAPPING_JSON_MAX_DEPTH) {
        char m[64];
        snprintf(m, sizeof m, "nested deeper than %d levels", MAPPING_JSON_MAX_DEPTH);
        pull_error(c, m);
    }
    const void *self = lua_topointer(L, idx);
    for (int i = 0; i < c->depth; i++)
        if (c->seen[i] == self) pull_error(c, "table contains itself (cycle)");
    if (!lua_checkstack(L, 4)) pull_error(c, "out of Lua stack");
    c->seen[c->depth] = self;

    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    int marked = is_marked_array(L, idx);
    int array = 0;
    if (n > 0) {
        lua_Integer count = 0;
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            count++;
            lua_pop(L, 1);
        }
        array = count == n;
        if (!array && marked) pull_error(c, "hub.array table has keys other than 1..n");
    } else if (marked) {
        array = 1;
    }

    struct path_elem *pe = &c->path[c->depth];
    if (array) {
        json_t *a = json_array();
        attach(c, parent, k, kl, a);
        c->depth++;
        for (lua_Integer i = 1; i <= n; i++) {
            pe->key = NULL;
            pe->index = i;
            if (lua_rawgeti(L, idx, i) == LUA_TNIL) pull_error(c, "array has a hole (nil)");
            pull_value(c, lua_gettop(L), a, NULL, 0);
            lua_pop(L, 1);
        }
        c->depth--;
        return;
    }
    json_t *o = json_object();
    attach(c, parent, k, kl, o);
    c->depth++;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int kt = lua_type(L, -2);
        if (kt != LUA_TSTRING) {
            pe->key = NULL;
            pe->index = 0;
            c->depth--;
            char m[128];
            if (kt == LUA_TNUMBER && lua_isinteger(L, -2))
                snprintf(m, sizeof m,
                         "table mixes array items and keys, or has a hole (integer key %lld)",
                         (long long)lua_tointeger(L, -2));
            else
                snprintf(m, sizeof m, "object key of type %s (keys must be strings)",
                         lua_typename(L, kt));
            pull_error(c, m);
        }
        size_t klen;
        const char *key = lua_tolstring(L, -2, &klen); /* a string already: no conversion */
        pe->key = key;
        pe->klen = klen;
        pull_value(c, lua_gettop(L), o, key, klen);
        lua_pop(L, 1);
    }
    c->depth--;
}

static void pull_value(struct pull_ctx *c, int idx, json_t *parent, const char *k, size_t kl)
{
    lua_State *L = c->L;
    json_t *v;
    switch (lua_type(L, idx)) {
    case LUA_TTABLE:
        pull_table(c, idx, parent, k, kl);
        return;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        v = is_ascii(s, len) ? json_stringn_nocheck(s, len) : json_stringn(s, len);
        if (!v) pull_error(c, "string is not valid UTF-8");
        break;
    }
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            v = json_integer((json_int_t)lua_tointeger(L, idx));
        } else {
            double d = (double)lua_tonumber(L, idx);
            if (!isfinite(d)) pull_error(c, "number is NaN or infinite (not representable in JSON)");
            v = json_real(d);
        }
        break;
    case LUA_TBOOLEAN:
        v = json_boolean(lua_toboolean(L, idx));
        break;
    case LUA_TNIL:
        v = json_null();
        break;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == (void *)&mapping_sb_null_key) {
            v = json_null();
            break;
        }
        /* fall through */
    default: {
        char m[96];
        snprintf(m, sizeof m, "a %s value cannot be converted to JSON",
                 lua_typename(L, lua_type(L, idx)));
        pull_error(c, m);
        return;
    }
    }
    attach(c, parent, k, kl, v);
}

void mapping_json_from_lua(lua_State *L, int idx, json_t **root, const char *what)
{
    struct pull_ctx c;
    c.L = L;
    c.what = what;
    c.root = root;
    c.depth = 0;
    *root = NULL;
    pull_value(&c, lua_absindex(L, idx), NULL, NULL, 0);
}
