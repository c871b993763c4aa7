/*
 * mapping.h - sandboxed Lua mapping scripts (Lua 5.4).
 *
 * One `struct mapping` is one Lua state running one script (scripts/<channel>.lua
 * or a tenant's own), with the shared helpers of scripts/lib/ reachable through
 * a sandboxed `require`.  A script may define:
 *
 *   to_channel(product, variant, stock, ctx) -> table   (the listing payload)
 *   from_channel(kind, payload, ctx)         -> array of canonical events
 *   allocate(sku, stock, channel, ctx)       -> integer >= 0
 *
 * Values cross as plain data: JSON objects become tables, arrays become
 * sequences, integers stay Lua integers (money is integer minor units; a float
 * coming back where an integer is expected is an error).  JSON null members
 * of objects are left out (the field reads as nil); null inside an array is
 * the sentinel hub.null.  Going back, a table with keys 1..n is an array, an
 * empty table is {} unless marked with hub.array(t) (arrays that came in as
 * JSON keep that mark), hub.null is null.  Inputs are read-only by contract:
 * consecutive items of one batch with the same product object share one
 * product table.  docs/mapping-guide.md has the details.
 *
 * Sandbox: allow-listed read-only globals (no io, os, debug, load of strings
 * from outside, dofile, loadfile, package, collectgarbage); `require` resolves
 * only "lib.<name>" inside <scripts_dir>/lib/.  A memory cap per state (custom
 * allocator) and an instruction budget per call (count hook).  Any error,
 * budget or cap fails that one call with a message and leaves the state usable.
 *
 * Reload: mapping_reload() compiles the file into a fresh state, smoke-tests it
 * (each defined function is called on a built-in sample and must return the
 * right shape), and only then swaps it in.  On failure the old state stays and
 * the error is kept in mapping_status().
 */
#ifndef HUB_LUA_MAPPING_H
#define HUB_LUA_MAPPING_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct mapping;

struct mapping_limits {
    size_t memory_bytes;        /* per state; default 32 MiB */
    uint64_t instruction_budget; /* per call; default 10 M */
};

/* Load and smoke-test `script_path`.  0, or -1 with err ("file:line: msg"). */
int mapping_open(struct mapping **out, const char *scripts_dir, const char *script_path,
                 const struct mapping_limits *limits, char *err, size_t err_len);
void mapping_close(struct mapping *m);

int mapping_has(const struct mapping *m, const char *function); /* "to_channel", ... */
/* 1 if the script declares `listing_uses_stock = true`: its to_channel output
 * depends on stock, so the engine re-maps listings on stock changes too. */
int mapping_listing_uses_stock(const struct mapping *m);

/* One item of a to_channel batch.  Inputs are borrowed. */
struct map_item {
    json_t *product;  /* canonical product object */
    json_t *variant;  /* canonical variant object */
    json_t *stock;    /* {"on_hand":n,"reserved":n,"available":n} */
    json_t *result;   /* out: new reference to the payload object, or NULL */
    char *error;      /* out: malloc'd message when result is NULL */
};
/* Call to_channel for n items in one trip into Lua.  `ctx` is passed to every
 * call ({"tenant":..,"channel":..,"currency":..}).  Returns the number of
 * items that failed (each has its error), or -1 if the whole call failed. */
int mapping_to_channel(struct mapping *m, struct map_item *items, size_t n, json_t *ctx);

/* from_channel(kind, payload, ctx).  Returns a new reference to a JSON array
 * of canonical events, or NULL with *error (malloc'd). */
json_t *mapping_from_channel(struct mapping *m, const char *kind, json_t *payload, json_t *ctx,
                             char **error);

/* allocate for n SKUs of one channel in one trip.  stocks[i] as in map_item;
 * out[i] receives the quantity (>= 0).  Items that fail get out[i] = -1 and
 * errors[i] (malloc'd; errors may be NULL).  Returns the number failed or -1. */
int mapping_allocate(struct mapping *m, const char *const *skus, json_t *const *stocks, size_t n,
                     const char *channel, json_t *ctx, int64_t *out, char **errors);

/* Recompile from disk; swap only if it compiles and passes the smoke test. 0 or -1. */
int mapping_reload(struct mapping *m, char *err, size_t err_len);

struct mapping_status {
    const char *path;
    uint64_t version;       /* 1 at open, +1 per successful reload */
    uint64_t loaded_ms;     /* when the running version was loaded */
    char sha256[65];        /* of the running source */
    uint64_t reload_failures;
    const char *last_error; /* last reload/call failure, or NULL */
    uint64_t calls, call_failures;
    size_t memory_bytes;    /* current Lua heap */
};
void mapping_status(const struct mapping *m, struct mapping_status *out);

/* The script's path (as resolved at open) and the scripts directory whose
 * lib/ serves require().  Owned by the mapping. */
const char *mapping_path(const struct mapping *m);
const char *mapping_scripts_dir(const struct mapping *m);

/* Reloading on save (uv_fs_event + debounce): core/lua/watch.h. */

#endif /* HUB_LUA_MAPPING_H */
