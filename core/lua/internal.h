/* internal.h - shared between the files of core/lua (not a public contract). */
#ifndef HUB_LUA_INTERNAL_H
#define HUB_LUA_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include <lauxlib.h>

#include "lua/mapping.h"
#include "lua/sandbox.h"

enum mapping_fn { MAPPING_FN_TO, MAPPING_FN_FROM, MAPPING_FN_ALLOC, MAPPING_FN_COUNT };
extern const char *const mapping_fn_names[MAPPING_FN_COUNT];

/* One loaded version of a script: its sandbox and the functions it defines. */
struct mapping_state {
    struct sandbox *sb;
    int ref[MAPPING_FN_COUNT];  /* registry refs, LUA_NOREF when not defined */
    int line[MAPPING_FN_COUNT]; /* where each function is defined */
    char sha256[65];
    int listing_uses_stock; /* the script set the global listing_uses_stock = true */
};

/* Compile `path` into a fresh state and smoke-test it.  NULL with err. */
struct mapping_state *mapping_state_load(const char *scripts_dir, const char *path,
                                         const struct mapping_limits *lim, char *err,
                                         size_t err_len);
void mapping_state_free(struct mapping_state *s);

/* The calls, on one state.  *batch_error (malloc'd) when the whole call failed. */
int mapping_state_to_channel(struct mapping_state *s, struct map_item *items, size_t n,
                             json_t *ctx, char **batch_error);
json_t *mapping_state_from_channel(struct mapping_state *s, const char *kind, json_t *payload,
                                   json_t *ctx, char **error);
int mapping_state_allocate(struct mapping_state *s, const char *const *skus,
                           json_t *const *stocks, size_t n, const char *channel, json_t *ctx,
                           int64_t *out, char **errors, char **batch_error);

/* Run each defined function on built-in samples.  0, or -1 with err. */
int mapping_smoke_test(struct mapping_state *s, char *err, size_t err_len);

#endif /* HUB_LUA_INTERNAL_H */
