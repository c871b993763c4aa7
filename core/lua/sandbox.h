/*
 * sandbox.h - one sandboxed Lua 5.4 state (internal to core/lua).
 *
 * A sandbox is a lua_State created with lua_newstate and a counting allocator
 * (memory cap), a count hook (instruction budget per call), allow-listed
 * read-only globals and a `require` that only reaches <scripts_dir>/lib/.
 *
 * Globals: the chunk runs with _ENV = an empty proxy whose __index is the
 * real globals table.  While the script's top level runs (sandbox_load),
 * assignments to globals land in that table (so `function to_channel()`
 * defines a function); afterwards every assignment to a global raises
 * "assignment to global 'x' is not allowed".
 *
 * Calls: wrap each protected call in sandbox_call_begin() (resets the budget
 * and the error flags) and turn a failure into a message with
 * sandbox_error() (it knows about the budget and the memory cap, which
 * plain Lua error objects do not describe well).
 */
#ifndef HUB_LUA_SANDBOX_H
#define HUB_LUA_SANDBOX_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#include "lua/pool.h"

struct sandbox {
    lua_State *L;
    char *scripts_dir;       /* require root: <scripts_dir>/lib/<name>.lua */
    char *chunk_name;        /* "@<path>" of the main script */
    size_t mem_used;         /* bytes currently allocated by this state */
    size_t mem_cap;          /* 0: no cap */
    size_t mem_peak;
    uint64_t budget;         /* instructions per call; 0: none */
    uint64_t remaining;      /* of the current call */
    int budget_hit;          /* the current call ran out of instructions */
    int mem_hit;             /* an allocation was refused during the current call */
    int loading;             /* top-level chunk running: globals writable */
    char mem_where[128];     /* "file:line" where the refused allocation happened */
    struct mapping_pool pool; /* small blocks */
};

/* Registry keys (light userdata addresses) shared with the marshaling code. */
extern const char mapping_sb_null_key;     /* hub.null: JSON null inside arrays */
extern const char mapping_sb_array_mt_key; /* metatable marking a table as a JSON array */

/* A fresh sandbox.  NULL with err on failure (e.g. the cap is too small). */
struct sandbox *mapping_sb_new(const char *scripts_dir, size_t mem_cap, uint64_t budget,
                               char *err, size_t err_len);
void mapping_sb_free(struct sandbox *sb);

/* Compile `src` (text only) as the main script named `path` and run its top
 * level under the budget.  0, or -1 with err ("path:line: message"). */
int mapping_sb_load(struct sandbox *sb, const char *path, const char *src, size_t len, char *err,
                    size_t err_len);

/* Push the global `name` (raw lookup in the globals table: nothing forbidden
 * fires).  Returns its Lua type. */
int mapping_sb_getglobal(struct sandbox *sb, const char *name);

/* Reset the budget and the error flags before one protected call. */
void mapping_sb_call_begin(struct sandbox *sb);

/* Describe a failed protected call whose error object is on top of the stack
 * (popped).  `what` names the call ("to_channel"); `line` is a fallback
 * line for errors without a position.  Returns a malloc'd message. */
char *mapping_sb_error(struct sandbox *sb, int status, const char *what, int line);

/* The short script name used in messages ("scripts/shopify.lua"). */
const char *mapping_sb_name(const struct sandbox *sb);

#endif /* HUB_LUA_SANDBOX_H */
