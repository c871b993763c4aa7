/* bucket.h - token bucket for a channel's request budget.
 *
 * Declared by the plugin (limits.rate_per_sec, limits.burst), corrected by
 * what the channel says (bucket_hint: remaining budget, capacity, refill, and
 * Retry-After, which closes the bucket until that moment). */
#ifndef HUB_SYNC_BUCKET_H
#define HUB_SYNC_BUCKET_H

#include <stdint.h>

struct bucket {
    double rate;      /* tokens per second; 0 = unlimited */
    double capacity;
    double tokens;
    uint64_t last_ms; /* monotonic */
    uint64_t closed_until_ms; /* monotonic; Retry-After */
};

void bucket_init(struct bucket *b, double rate, double capacity, uint64_t now_ms);
/* Take one token if there is one: 0, else the ms to wait (> 0). */
uint64_t bucket_take(struct bucket *b, uint64_t now_ms);
/* Tokens available now (after refill), without taking one. */
double bucket_peek(struct bucket *b, uint64_t now_ms);
/* The channel's own numbers (negative = unknown) and its Retry-After (0 = none). */
void bucket_hint(struct bucket *b, double remaining, double capacity, double refill_per_sec,
                 uint32_t retry_after_ms, uint64_t now_ms);

#endif
