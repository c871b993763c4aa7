/* http_ratelimit.c - per-key token buckets (see http_ratelimit.h). */
#include "net/http_ratelimit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct bucket {
    char key[64];
    double tokens;
    uint64_t last_ms;
    struct bucket *next;
};

struct http_ratelimit {
    double rate, burst;
    size_t max_keys, count;
    struct bucket **table;
    size_t cap; /* power of two */
    uint64_t last_sweep_ms;
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

struct http_ratelimit *http_ratelimit_new(double rate_per_sec, double burst, size_t max_keys)
{
    struct http_ratelimit *rl = xcalloc(1, sizeof *rl);
    rl->rate = rate_per_sec > 0 ? rate_per_sec : 1;
    rl->burst = burst >= 1 ? burst : 1;
    rl->max_keys = max_keys ? max_keys : 10000;
    rl->cap = 64;
    while (rl->cap < rl->max_keys) rl->cap *= 2;
    rl->table = xcalloc(rl->cap, sizeof *rl->table);
    return rl;
}

void http_ratelimit_free(struct http_ratelimit *rl)
{
    if (!rl) return;
    for (size_t i = 0; i < rl->cap; i++) {
        struct bucket *b = rl->table[i];
        while (b) {
            struct bucket *n = b->next;
            free(b);
            b = n;
        }
    }
    free(rl->table);
    free(rl);
}

size_t http_ratelimit_size(const struct http_ratelimit *rl) { return rl ? rl->count : 0; }

static double refill(const struct http_ratelimit *rl, const struct bucket *b, uint64_t now)
{
    double t = b->tokens;
    if (now > b->last_ms) t += (double)(now - b->last_ms) * rl->rate / 1000.0;
    return t > rl->burst ? rl->burst : t;
}

static void sweep(struct http_ratelimit *rl, uint64_t now)
{
    rl->last_sweep_ms = now;
    for (size_t i = 0; i < rl->cap; i++) {
        struct bucket **pp = &rl->table[i];
        while (*pp) {
            struct bucket *b = *pp;
            if (refill(rl, b, now) >= rl->burst) {
                *pp = b->next;
                free(b);
                rl->count--;
            } else {
                pp = &b->next;
            }
        }
    }
}

int http_ratelimit_take(struct http_ratelimit *rl, const char *key, uint64_t now_ms,
                        uint64_t *retry_after_ms)
{
    char k[64];
    str_copy(k, key ? key : "", sizeof k);
    size_t slot = (size_t)(hash_key(k) & (rl->cap - 1));
    struct bucket *b;
    for (b = rl->table[slot]; b; b = b->next)
        if (strcmp(b->key, k) == 0) break;
    if (!b) {
        if (rl->count >= rl->max_keys && (now_ms - rl->last_sweep_ms >= 1000 || now_ms < rl->last_sweep_ms))
            sweep(rl, now_ms);
        if (rl->count >= rl->max_keys) return 1; /* fail open, untracked */
        b = xcalloc(1, sizeof *b);
        memcpy(b->key, k, sizeof k);
        b->tokens = rl->burst;
        b->last_ms = now_ms;
        b->next = rl->table[slot];
        rl->table[slot] = b;
        rl->count++;
    }
    b->tokens = refill(rl, b, now_ms);
    if (now_ms > b->last_ms) b->last_ms = now_ms;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 1;
    }
    if (retry_after_ms) /* the epsilon keeps float noise from adding a millisecond */
        *retry_after_ms = (uint64_t)ceil((1.0 - b->tokens) * 1000.0 / rl->rate - 1e-6);
    return 0;
}
