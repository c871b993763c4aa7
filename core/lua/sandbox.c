/*
 * sandbox.c - a Lua state with a memory cap, an instruction budget, and only
 * allow-listed, read-only globals.  See sandbox.h.
 */
#include "lua/sandbox.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "common/log.h"
#include "common/util.h"

const char mapping_sb_null_key = 0;
const char mapping_sb_array_mt_key = 0;
static const char globals_key = 0; /* the real globals table G */
static const char loaded_key = 0;  /* require cache: name -> module value */

#define REQUIRE_NAME_MAX 64

/* ------------------------------------------------------------ allocator */

/* Record where (file:line) the running Lua code was when an allocation was
 * refused.  Only reads the call-info chain; lua_getstack/lua_getinfo("Sl")
 * never allocate, so this is safe from inside the allocator. */
static void note_where(struct sandbox *sb)
{
    lua_State *L = sb->L;
    lua_Debug ar;
    sb->mem_where[0] = '\0';
    if (!L) return;
    for (int level = 0; level < 32 && lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar)) break;
        if (ar.currentline > 0) {
            snprintf(sb->mem_where, sizeof sb->mem_where, "%s:%d", ar.short_src, ar.currentline);
            return;
        }
    }
}

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct sandbox *sb = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        mapping_pool_realloc(&sb->pool, ptr, osize, 0);
        sb->mem_used -= old;
        return NULL;
    }
    if (nsize > old && sb->mem_cap && sb->mem_used - old + nsize > sb->mem_cap) {
        sb->mem_hit = 1;
        note_where(sb);
        return NULL; /* Lua runs an emergency GC, retries, then raises LUA_ERRMEM */
    }
    void *p = mapping_pool_realloc(&sb->pool, ptr, osize, nsize);
    if (!p) return NULL;
    sb->mem_used = sb->mem_used - old + nsize;
    if (sb->mem_used > sb->mem_peak) sb->mem_peak = sb->mem_used;
    return p;
}

static struct sandbox *sb_of(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

/* ------------------------------------------------------------ instruction budget */

static int slice_of(uint64_t n) { return n > INT_MAX ? INT_MAX : (int)n; }

static void sb_hook(lua_State *L, lua_Debug *ar)
{
    struct sandbox *sb = sb_of(L);
    if (!sb->budget_hit) {
        uint64_t used = (uint64_t)slice_of(sb->remaining);
        sb->remaining -= used;
        if (sb->remaining > 0) {
            lua_sethook(L, sb_hook, LUA_MASKCOUNT, slice_of(sb->remaining));
            return;
        }
        sb->budget_hit = 1;
        /* From now on every instruction fails, so a script cannot swallow the
         * error with pcall and keep looping. */
        lua_sethook(L, sb_hook, LUA_MASKCOUNT, 1);
    }
    lua_getinfo(L, "Sl", ar);
    if (ar->currentline > 0)
        lua_pushfstring(L, "%s:%d: instruction budget of %I exceeded (endless loop?)",
                        ar->short_src, ar->currentline, (lua_Integer)sb->budget);
    else
        lua_pushfstring(L, "%s: instruction budget of %I exceeded (endless loop?)",
                        mapping_sb_name(sb), (lua_Integer)sb->budget);
    lua_error(L);
}

void mapping_sb_call_begin(struct sandbox *sb)
{
    sb->budget_hit = 0;
    sb->mem_hit = 0;
    sb->mem_where[0] = '\0';
    sb->remaining = sb->budget;
    if (sb->budget)
        lua_sethook(sb->L, sb_hook, LUA_MASKCOUNT, slice_of(sb->budget));
    else
        lua_sethook(sb->L, NULL, 0, 0);
}

/* ------------------------------------------------------------ guarded base functions */

static const char *const forbidden[] = {
    "io", "os", "debug", "package", "load", "loadstring", "dofile", "loadfile",
    "collectgarbage", "coroutine", "rawset", "print", "_G", NULL,
};

/* __index of the globals table: a clear error for what the sandbox left out. */
static int sb_global_missing(lua_State *L)
{
    const char *k = lua_tostring(L, 2);
    if (k && lua_type(L, 2) == LUA_TSTRING)
        for (size_t i = 0; forbidden[i]; i++)
            if (strcmp(k, forbidden[i]) == 0)
                return luaL_error(L, "'%s' is not available in the mapping sandbox%s", k,
                                  strcmp(k, "print") == 0 ? " (use hub.log)" : "");
    return 0;
}

/* __newindex of the globals proxy. */
static int sb_global_assign(lua_State *L)
{
    struct sandbox *sb = sb_of(L);
    if (sb->loading) {
        lua_settop(L, 3);
        lua_rawset(L, lua_upvalueindex(1)); /* G[k] = v */
        return 0;
    }
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "assignment to global '%s' is not allowed (use a local)",
                          lua_tostring(L, 2));
    return luaL_error(L, "assignment to a global is not allowed (use a local)");
}

/* __newindex of a read-only library proxy; upvalue 1 = the library's name. */
static int sb_readonly_assign(lua_State *L)
{
    const char *lib = lua_tostring(L, lua_upvalueindex(1));
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "'%s' is read-only (assignment to '%s')", lib, lua_tostring(L, 2));
    return luaL_error(L, "'%s' is read-only", lib);
}

/* __index of a library copy for names left out on purpose (string.dump). */
static int sb_lib_missing(lua_State *L)
{
    const char *lib = lua_tostring(L, lua_upvalueindex(1));
    if (lua_type(L, 2) == LUA_TSTRING && strcmp(lib, "string") == 0 &&
        strcmp(lua_tostring(L, 2), "dump") == 0)
        return luaL_error(L, "'string.dump' is not available in the mapping sandbox");
    return 0;
}

static int sb_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc is not allowed in the mapping sandbox");
    }
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/* ------------------------------------------------------------ hub helper table */

static int hub_array(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    if (lua_getmetatable(L, 1)) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &mapping_sb_array_mt_key);
        if (!lua_rawequal(L, -1, -2)) return luaL_error(L, "hub.array: the table has a metatable");
        lua_pop(L, 2);
        return 1;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &mapping_sb_array_mt_key);
    lua_setmetatable(L, 1);
    return 1;
}

static int hub_is_array(lua_State *L)
{
    int r = 0;
    if (lua_type(L, 1) == LUA_TTABLE && lua_getmetatable(L, 1)) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &mapping_sb_array_mt_key);
        r = lua_rawequal(L, -1, -2);
    }
    lua_pushboolean(L, r);
    return 1;
}

static int hub_log(lua_State *L)
{
    static const char *const levels[] = {"error", "warn", "info", "debug", NULL};
    int n = lua_gettop(L);
    int level = LOG_INFO, first = 1;
    if (n >= 2) {
        level = luaL_checkoption(L, 1, NULL, levels);
        first = 2;
    }
    if ((enum log_level)level > log_get_level()) return 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = first; i <= n; i++) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        luaL_addvalue(&b);
        (void)s;
        if (i < n) luaL_addchar(&b, ' ');
    }
    luaL_pushresult(&b);
    lua_Debug ar;
    char where[96] = "lua";
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar))
        snprintf(where, sizeof where, "%s:%d", ar.short_src, ar.currentline);
    log_msg((enum log_level)level, "lua", "%s: %s", where, lua_tostring(L, -1));
    return 0;
}

/* ------------------------------------------------------------ require */

static int valid_lib_name(const char *name, size_t len)
{
    if (len <= 4 || len - 4 > REQUIRE_NAME_MAX || memcmp(name, "lib.", 4) != 0) return 0;
    for (size_t i = 4; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return 1;
}

static int sb_require(lua_State *L)
{
    struct sandbox *sb = sb_of(L);
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    if (!valid_lib_name(name, len) || strlen(name) != len)
        return luaL_error(L, "require: '%s' is outside scripts/lib (use require(\"lib.<name>\"), "
                             "name of a-z 0-9 _)", name);
    lua_settop(L, 1);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &loaded_key); /* 2 */
    lua_pushvalue(L, 1);
    int t = lua_rawget(L, 2); /* 3 */
    if (t == LUA_TLIGHTUSERDATA && lua_touserdata(L, 3) == (void *)&loaded_key)
        return luaL_error(L, "require: '%s' requires itself (circular require)", name);
    if (t != LUA_TNIL) return 1;
    lua_pop(L, 1);

    char path[4096];
    int pn = snprintf(path, sizeof path, "%s/lib/%s.lua", sb->scripts_dir, name + 4);
    if (pn < 0 || (size_t)pn >= sizeof path) return luaL_error(L, "require: path too long");
    size_t src_len = 0;
    char *src = read_file(path, &src_len);
    if (!src) {
        int e = errno;
        return luaL_error(L, "require: '%s' not found in scripts/lib (%s: %s)", name, path,
                          strerror(e));
    }
    lua_pushfstring(L, "@%s", path);
    int st = luaL_loadbufferx(L, src, src_len, lua_tostring(L, -1), "t");
    free(src);
    if (st != LUA_OK) return lua_error(L);
    lua_remove(L, -2); /* chunk name */
    /* mark as loading, run it, cache its value */
    lua_pushvalue(L, 1);
    lua_pushlightuserdata(L, (void *)&loaded_key);
    lua_rawset(L, 2);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, 1);
    lua_pushvalue(L, -2);
    lua_rawset(L, 2);
    return 1;
}

/* ------------------------------------------------------------ building the state */

/* Push a read-only proxy of the table at `idx` (an empty table whose
 * __index is that table and whose __newindex refuses). */
static void push_readonly_proxy(lua_State *L, int idx, const char *name)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);                 /* proxy */
    lua_createtable(L, 0, 3);        /* its metatable */
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, name);
    lua_pushcclosure(L, sb_readonly_assign, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

/* Open library `open` under `name`, copy its fields except `skip` into a
 * fresh table, leave [copy] on the stack. */
static void push_lib_copy(lua_State *L, const char *name, lua_CFunction open, const char *skip)
{
    luaL_requiref(L, name, open, 0); /* the original */
    lua_newtable(L);                 /* copy */
    lua_pushnil(L);
    while (lua_next(L, -3)) {
        if (skip && lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), skip) == 0) {
            lua_pop(L, 1);
            continue;
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    lua_createtable(L, 0, 1);
    lua_pushstring(L, name);
    lua_pushcclosure(L, sb_lib_missing, 1);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_remove(L, -2); /* the original */
}

static int sb_setup(lua_State *L)
{
    static const char *const base_allowed[] = {
        "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber",
        "tostring", "type", "xpcall", "rawequal", "rawlen", "rawget", "getmetatable",
        "_VERSION", NULL,
    };
    int top = lua_gettop(L);
    luaL_requiref(L, "_G", luaopen_base, 0); /* the stock globals (left unreachable) */
    int base = lua_gettop(L);

    lua_createtable(L, 0, 32); /* G */
    int G = lua_gettop(L);
    for (size_t i = 0; base_allowed[i]; i++) {
        lua_getfield(L, base, base_allowed[i]);
        lua_setfield(L, G, base_allowed[i]);
    }
    lua_pushcfunction(L, sb_setmetatable);
    lua_setfield(L, G, "setmetatable");
    lua_pushcfunction(L, sb_require);
    lua_setfield(L, G, "require");

    /* string: the copy also serves as the strings' __index; the metatable
     * itself is hidden behind a read-only __metatable proxy. */
    push_lib_copy(L, LUA_STRLIBNAME, luaopen_string, "dump");
    int scopy = lua_gettop(L);
    push_readonly_proxy(L, scopy, "string");
    int sproxy = lua_gettop(L);
    lua_pushvalue(L, sproxy);
    lua_setfield(L, G, "string");
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {     /* the string metatable */
        lua_pushvalue(L, scopy);
        lua_setfield(L, -2, "__index");
        lua_createtable(L, 0, 1);      /* what getmetatable("") shows */
        lua_pushvalue(L, sproxy);
        lua_setfield(L, -2, "__index");
        push_readonly_proxy(L, -1, "the string metatable");
        lua_setfield(L, -3, "__metatable");
        lua_pop(L, 2);
    }
    lua_settop(L, G);

    struct { const char *name; lua_CFunction open; } libs[] = {
        {LUA_TABLIBNAME, luaopen_table},
        {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
    };
    for (size_t i = 0; i < ARRAY_LEN(libs); i++) {
        push_lib_copy(L, libs[i].name, libs[i].open, NULL);
        push_readonly_proxy(L, -1, libs[i].name);
        lua_setfield(L, G, libs[i].name);
        lua_pop(L, 1);
    }

    /* array marker metatable */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "hub.array");
    lua_setfield(L, -2, "__metatable");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &mapping_sb_array_mt_key);
    lua_pushlightuserdata(L, (void *)&mapping_sb_null_key);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &mapping_sb_null_key);

    /* hub helpers */
    lua_createtable(L, 0, 4);
    lua_pushlightuserdata(L, (void *)&mapping_sb_null_key);
    lua_setfield(L, -2, "null");
    lua_pushcfunction(L, hub_array);
    lua_setfield(L, -2, "array");
    lua_pushcfunction(L, hub_is_array);
    lua_setfield(L, -2, "is_array");
    lua_pushcfunction(L, hub_log);
    lua_setfield(L, -2, "log");
    push_readonly_proxy(L, -1, "hub");
    lua_setfield(L, G, "hub");
    lua_pop(L, 1);

    /* G's own metatable: clear errors for what is left out */
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, sb_global_missing);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, G);

    /* the proxy every chunk sees as _ENV */
    lua_newtable(L);
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, G);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, G);
    lua_pushcclosure(L, sb_global_assign, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS); /* loaded chunks get it as _ENV */

    lua_pushvalue(L, G);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &globals_key);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &loaded_key);
    /* Library tables registered by luaL_requiref (package.loaded) stay in the
     * registry, which scripts cannot reach. */
    lua_settop(L, top);
    return 0;
}

struct sandbox *mapping_sb_new(const char *scripts_dir, size_t mem_cap, uint64_t budget,
                               char *err, size_t err_len)
{
    struct sandbox *sb = xcalloc(1, sizeof *sb);
    sb->scripts_dir = xstrdup(scripts_dir && *scripts_dir ? scripts_dir : "scripts");
    sb->chunk_name = xstrdup("@script");
    sb->mem_cap = mem_cap;
    sb->budget = budget;
    lua_State *L = lua_newstate(sb_alloc, sb);
    if (!L) {
        snprintf(err, err_len, "cannot create a Lua state within %zu KiB", mem_cap / 1024);
        mapping_sb_free(sb);
        return NULL;
    }
    sb->L = L;
    lua_gc(L, LUA_GCGEN, 0, 0);
    lua_pushcfunction(L, sb_setup);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        snprintf(err, err_len, "cannot set up the Lua sandbox: %s",
                 lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "out of memory");
        mapping_sb_free(sb);
        return NULL;
    }
    return sb;
}

void mapping_sb_free(struct sandbox *sb)
{
    if (!sb) return;
    if (sb->L) {
        lua_sethook(sb->L, NULL, 0, 0);
        lua_close(sb->L);
    }
    mapping_pool_release(&sb->pool);
    free(sb->scripts_dir);
    free(sb->chunk_name);
    free(sb);
}

const char *mapping_sb_name(const struct sandbox *sb) { return sb->chunk_name + 1; }

int mapping_sb_getglobal(struct sandbox *sb, const char *name)
{
    lua_State *L = sb->L;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &globals_key);
    lua_pushstring(L, name);
    int t = lua_rawget(L, -2);
    lua_remove(L, -2);
    return t;
}

/* ------------------------------------------------------------ errors */

/* Does the message carry a "<chunk>:<line>:" position (as Lua errors do)? */
static int has_position(const char *msg)
{
    for (const char *p = strchr(msg, ':'); p && p - msg < 200; p = strchr(p + 1, ':')) {
        const char *q = p + 1;
        while (*q >= '0' && *q <= '9') q++;
        if (q > p + 1 && *q == ':') return 1;
    }
    return 0;
}

char *mapping_sb_error(struct sandbox *sb, int status, const char *what, int line)
{
    lua_State *L = sb->L;
    const char *name = mapping_sb_name(sb);
    char *out;
    /* A refused allocation surfaces as LUA_ERRMEM, or as a plain error
     * "not enough memory" when raised by lauxlib (string buffers). */
    const char *emsg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    size_t elen = strlen(emsg);
    int oom_msg = elen >= 17 && strcmp(emsg + elen - 17, "not enough memory") == 0;
    if (status == LUA_ERRMEM || (sb->mem_hit && oom_msg && !sb->budget_hit)) {
        const char *where = sb->mem_where[0] ? sb->mem_where : NULL;
        if (sb->mem_hit)
            out = where ? xasprintf("%s: memory limit of %zu KiB exceeded (in %s)", where,
                                    sb->mem_cap / 1024, what)
                        : xasprintf("%s:%d: memory limit of %zu KiB exceeded (in %s)", name, line,
                                    sb->mem_cap / 1024, what);
        else
            out = xasprintf("%s:%d: out of memory (in %s)", name, line, what);
    } else if (sb->budget_hit) {
        const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (msg && strstr(msg, "instruction budget of"))
            out = xstrdup(msg);
        else
            out = xasprintf("%s:%d: instruction budget of %" PRIu64 " exceeded (endless loop?)",
                            name, line, sb->budget);
    } else {
        int t = lua_type(L, -1);
        if (t == LUA_TSTRING || t == LUA_TNUMBER) {
            const char *msg = lua_tostring(L, -1);
            out = has_position(msg) ? xasprintf("%s", msg)
                                    : xasprintf("%s:%d: %s: %s", name, line, what, msg);
        } else {
            out = xasprintf("%s:%d: %s raised an error object of type %s", name, line, what,
                            lua_typename(L, t));
        }
    }
    lua_pop(L, 1);
    return out;
}

/* ------------------------------------------------------------ loading the script */

int mapping_sb_load(struct sandbox *sb, const char *path, const char *src, size_t len, char *err,
                    size_t err_len)
{
    lua_State *L = sb->L;
    free(sb->chunk_name);
    sb->chunk_name = xasprintf("@%s", path);
    if (len >= 1 && src[0] == LUA_SIGNATURE[0]) {
        snprintf(err, err_len, "%s: precompiled (binary) chunks are not accepted", path);
        return -1;
    }
    int st = luaL_loadbufferx(L, src, len, sb->chunk_name, "t");
    if (st != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        snprintf(err, err_len, "%s", msg ? msg : "cannot load script");
        lua_pop(L, 1);
        return -1;
    }
    mapping_sb_call_begin(sb);
    sb->loading = 1;
    st = lua_pcall(L, 0, 0, 0);
    sb->loading = 0;
    if (st != LUA_OK) {
        char *m = mapping_sb_error(sb, st, "the script's top level", 1);
        snprintf(err, err_len, "%s", m);
        free(m);
        return -1;
    }
    return 0;
}
