/* pool.c - size-class allocator for Lua states.  See pool.h. */
#include "lua/pool.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64u * 1024u)

static size_t class_of(size_t n) { return (n + MAPPING_POOL_GRAIN - 1) / MAPPING_POOL_GRAIN - 1; }

static void *pool_alloc(struct mapping_pool *p, size_t n)
{
    size_t c = class_of(n);
    void *b = p->free[c];
    if (b) {
        p->free[c] = *(void **)b;
        return b;
    }
    size_t sz = (c + 1) * MAPPING_POOL_GRAIN;
    if ((size_t)(p->end - p->cur) < sz) { /* the old chunk's tail (< 512 bytes) is left unused */
        char *chunk = malloc(CHUNK_SIZE);
        if (!chunk) return NULL;
        *(void **)chunk = p->chunks;
        p->chunks = chunk;
        p->chunk_bytes += CHUNK_SIZE;
        p->cur = chunk + MAPPING_POOL_GRAIN; /* first grain holds the chunk link */
        p->end = chunk + CHUNK_SIZE;
    }
    b = p->cur;
    p->cur += sz;
    return b;
}

static void pool_free(struct mapping_pool *p, void *b, size_t n)
{
    size_t c = class_of(n);
    *(void **)b = p->free[c];
    p->free[c] = b;
}

void *mapping_pool_realloc(struct mapping_pool *p, void *ptr, size_t osize, size_t nsize)
{
    size_t old = ptr ? osize : 0;
    int old_small = old > 0 && old <= MAPPING_POOL_MAX;
    int new_small = nsize > 0 && nsize <= MAPPING_POOL_MAX;
    if (nsize == 0) {
        if (old_small)
            pool_free(p, ptr, old);
        else
            free(ptr);
        return NULL;
    }
    if (!ptr) return new_small ? pool_alloc(p, nsize) : malloc(nsize);
    if (old_small && new_small && class_of(old) == class_of(nsize)) return ptr;
    if (!old_small && !new_small) return realloc(ptr, nsize);
    void *n = new_small ? pool_alloc(p, nsize) : malloc(nsize);
    if (!n) return NULL; /* Lua keeps the old block */
    memcpy(n, ptr, old < nsize ? old : nsize);
    if (old_small)
        pool_free(p, ptr, old);
    else
        free(ptr);
    return n;
}

void mapping_pool_release(struct mapping_pool *p)
{
    void *c = p->chunks;
    while (c) {
        void *next = *(void **)c;
        free(c);
        c = next;
    }
    memset(p, 0, sizeof *p);
}
