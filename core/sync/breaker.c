#include "sync/breaker.h"

void breaker_init(struct breaker *b, uint32_t threshold, uint64_t cooldown_ms, uint64_t max_cooldown_ms)
{
    b->state = BREAKER_CLOSED;
    b->threshold = threshold ? threshold : 5;
    b->cooldown_ms = cooldown_ms ? cooldown_ms : 5000;
    b->max_cooldown_ms = max_cooldown_ms ? max_cooldown_ms : 300000;
    b->failures = 0;
    b->current_cooldown_ms = b->cooldown_ms;
    b->open_until_ms = 0;
    b->probe_in_flight = 0;
    b->opened_count = 0;
}

uint64_t breaker_allow(struct breaker *b, uint64_t now)
{
    switch (b->state) {
    case BREAKER_CLOSED:
        return 0;
    case BREAKER_OPEN:
        if (now < b->open_until_ms) return b->open_until_ms - now;
        b->state = BREAKER_HALF_OPEN;
        /* fall through */
    case BREAKER_HALF_OPEN:
        if (b->probe_in_flight) return 100;
        b->probe_in_flight = 1;
        return 0;
    }
    return 0;
}

static void open_now(struct breaker *b, uint64_t now)
{
    b->state = BREAKER_OPEN;
    b->open_until_ms = now + b->current_cooldown_ms;
    b->opened_count++;
    b->current_cooldown_ms *= 2;
    if (b->current_cooldown_ms > b->max_cooldown_ms) b->current_cooldown_ms = b->max_cooldown_ms;
}

void breaker_result(struct breaker *b, int success, uint64_t now)
{
    int was_probe = b->state == BREAKER_HALF_OPEN && b->probe_in_flight;
    if (was_probe) b->probe_in_flight = 0;
    if (success) {
        b->state = BREAKER_CLOSED;
        b->failures = 0;
        b->current_cooldown_ms = b->cooldown_ms;
        return;
    }
    b->failures++;
    if (was_probe || (b->state == BREAKER_CLOSED && b->failures >= b->threshold)) open_now(b, now);
}

const char *breaker_state_name(enum breaker_state s)
{
    return s == BREAKER_OPEN ? "open" : s == BREAKER_HALF_OPEN ? "half-open" : "closed";
}
