/*
 * import_map.c - string -> line number, for the whole-file checks (duplicate
 * SKUs, product ids).  Open addressing; keys live in a few large arena blocks
 * so a million SKUs do not leave a million small long-lived allocations
 * between the parser's short-lived ones (which made malloc crawl).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "import/import_int.h"

#define ARENA_BLOCK (1024u * 1024u)

struct map_slot {
    uint64_t hash;
    const char *key; /* NULL: empty */
    unsigned long value;
};

struct arena_block {
    struct arena_block *next;
    size_t used, size;
    char data[];
};

struct import_map {
    struct map_slot *slots;
    size_t cap, n; /* cap is a power of two */
    struct arena_block *blocks;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

struct import_map *import_map_new(void)
{
    struct import_map *m = xcalloc(1, sizeof *m);
    m->cap = 1024;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    return m;
}

void import_map_free(struct import_map *m)
{
    if (!m) return;
    while (m->blocks) {
        struct arena_block *b = m->blocks;
        m->blocks = b->next;
        free(b);
    }
    free(m->slots);
    free(m);
}

static const char *arena_dup(struct import_map *m, const char *s)
{
    size_t len = strlen(s) + 1;
    struct arena_block *b = m->blocks;
    if (!b || b->size - b->used < len) {
        size_t size = len > ARENA_BLOCK ? len : ARENA_BLOCK;
        b = xmalloc(sizeof *b + size);
        b->used = 0;
        b->size = size;
        b->next = m->blocks;
        m->blocks = b;
    }
    char *p = b->data + b->used;
    memcpy(p, s, len);
    b->used += len;
    return p;
}

static struct map_slot *find(struct map_slot *slots, size_t cap, uint64_t h, const char *key)
{
    size_t i = (size_t)h & (cap - 1);
    for (;;) {
        struct map_slot *s = &slots[i];
        if (!s->key || (s->hash == h && strcmp(s->key, key) == 0)) return s;
        i = (i + 1) & (cap - 1);
    }
}

const unsigned long *import_map_get(const struct import_map *m, const char *key)
{
    struct map_slot *s = find(m->slots, m->cap, hash_str(key), key);
    return s->key ? &s->value : NULL;
}

int import_map_put(struct import_map *m, const char *key, unsigned long value)
{
    uint64_t h = hash_str(key);
    struct map_slot *s = find(m->slots, m->cap, h, key);
    if (s->key) return 0;
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap * 2;
        struct map_slot *slots = xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].key) *find(slots, cap, m->slots[i].hash, m->slots[i].key) = m->slots[i];
        free(m->slots);
        m->slots = slots;
        m->cap = cap;
        s = find(m->slots, m->cap, h, key);
    }
    s->hash = h;
    s->key = arena_dup(m, key);
    s->value = value;
    m->n++;
    return 1;
}
