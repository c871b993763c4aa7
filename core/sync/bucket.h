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

/* Token-aware batching.  On a channel whose budget is scarce (under
 * BUCKET_SCARCE_RATE calls/s, or down to its last token) every call spent on
 * a value about to be superseded is wasted, so a batch, partial or full,
 * waits while changes keep arriving: until the stream has been quiet for the
 * window this returns, or its oldest op has waited LINGER_MAX_MS (push.c).  A
 * burst then costs about ceil(distinct SKUs / batch_max) calls; an isolated
 * change on such a channel waits one quiet window.  Under sustained load the
 * backlog is older than LINGER_MAX_MS, so only the first batch ever waits.
 * 0: a plentiful budget, the batch goes out at once. */
#define BUCKET_SCARCE_RATE 10.0
#define LINGER_QUIET_MS 20u  /* scarce rate, tokens to spare */
#define LINGER_MIN_MS 20u    /* last token: one token's refill time, clamped */
#define LINGER_CAP_MS 250u
#define LINGER_MAX_MS 1000u  /* the oldest op never waits longer */
uint64_t bucket_linger_ms(struct bucket *b, uint64_t now_ms);

#endif
