#include "sync/bucket.h"

static void refill(struct bucket *b, uint64_t now)
{
    if (now > b->last_ms && b->rate > 0) {
        b->tokens += (double)(now - b->last_ms) * b->rate / 1000.0;
        if (b->tokens > b->capacity) b->tokens = b->capacity;
    }
    if (now > b->last_ms) b->last_ms = now;
}

void bucket_init(struct bucket *b, double rate, double capacity, uint64_t now_ms)
{
    b->rate = rate > 0 ? rate : 0;
    b->capacity = capacity >= 1 ? capacity : 1;
    b->tokens = b->capacity;
    b->last_ms = now_ms;
    b->closed_until_ms = 0;
}

uint64_t bucket_take(struct bucket *b, uint64_t now)
{
    if (b->closed_until_ms > now) return b->closed_until_ms - now;
    if (b->rate <= 0) return 0;
    refill(b, now);
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 0;
    }
    uint64_t wait = (uint64_t)((1.0 - b->tokens) * 1000.0 / b->rate) + 1;
    return wait;
}

void bucket_hint(struct bucket *b, double remaining, double capacity, double refill_per_sec,
                 uint32_t retry_after_ms, uint64_t now)
{
    refill(b, now);
    if (capacity > 0) b->capacity = capacity;
    if (refill_per_sec > 0) b->rate = refill_per_sec;
    if (remaining >= 0) b->tokens = remaining < b->capacity ? remaining : b->capacity;
    if (retry_after_ms > 0) {
        uint64_t until = now + retry_after_ms;
        if (until > b->closed_until_ms) b->closed_until_ms = until;
        b->tokens = 0;
    }
}

double bucket_peek(struct bucket *b, uint64_t now)
{
    if (b->closed_until_ms > now) return 0;
    if (b->rate <= 0) return b->capacity;
    refill(b, now);
    return b->tokens;
}

uint64_t bucket_linger_ms(struct bucket *b, uint64_t now)
{
    if (b->rate <= 0) return 0;
    if (bucket_peek(b, now) < 2.0) {
        uint64_t l = (uint64_t)(1000.0 / b->rate);
        return l < LINGER_MIN_MS ? LINGER_MIN_MS : l > LINGER_CAP_MS ? LINGER_CAP_MS : l;
    }
    return b->rate < BUCKET_SCARCE_RATE ? LINGER_QUIET_MS : 0;
}
