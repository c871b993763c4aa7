/*
 * pool.h - a small-block allocator for one Lua state (internal to core/lua).
 *
 * Lua allocates and frees many small objects (tables, strings, closures) in
 * bursts; size-class free lists carved from 64 KiB chunks serve them much
 * faster than malloc/free, and a state's memory goes back in one sweep when
 * it closes.  Blocks above MAPPING_POOL_MAX go to malloc directly.
 * Not thread-safe (one state = one thread).
 */
#ifndef HUB_LUA_POOL_H
#define HUB_LUA_POOL_H

#include <stddef.h>

#define MAPPING_POOL_GRAIN 16
#define MAPPING_POOL_MAX 512
#define MAPPING_POOL_CLASSES (MAPPING_POOL_MAX / MAPPING_POOL_GRAIN)

struct mapping_pool {
    void *free[MAPPING_POOL_CLASSES]; /* free lists, one per size class */
    char *cur, *end;                  /* the chunk being carved */
    void *chunks;                     /* all chunks (linked through their first word) */
    size_t chunk_bytes;               /* held from malloc, for statistics */
};

/* Same contract as lua_Alloc without the accounting: ptr/osize as Lua passes them. */
void *mapping_pool_realloc(struct mapping_pool *p, void *ptr, size_t osize, size_t nsize);
/* Give every chunk back (the state is closed). */
void mapping_pool_release(struct mapping_pool *p);

#endif /* HUB_LUA_POOL_H */
