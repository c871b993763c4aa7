/* breaker.h - a circuit breaker per channel.
 *
 * closed     pushes flow; `threshold` batches in a row that failed outright
 *            (every item RETRY: 5xx, timeouts, resets) open it;
 * open       nothing is sent until `cooldown` has passed (doubling on each
 *            re-open, capped), then
 * half-open  one probe batch goes out: success closes, failure re-opens.
 * A batch the channel answered (even with per-item refusals) is a success:
 * the channel is up. */
#ifndef HUB_SYNC_BREAKER_H
#define HUB_SYNC_BREAKER_H

#include <stdint.h>

enum breaker_state { BREAKER_CLOSED = 0, BREAKER_OPEN = 1, BREAKER_HALF_OPEN = 2 };

struct breaker {
    enum breaker_state state;
    uint32_t threshold;    /* default 5 */
    uint64_t cooldown_ms;  /* first cooldown, default 5 s */
    uint64_t max_cooldown_ms; /* default 5 min */
    uint32_t failures;     /* in a row */
    uint64_t current_cooldown_ms;
    uint64_t open_until_ms; /* monotonic */
    int probe_in_flight;
    uint64_t opened_count;
};

void breaker_init(struct breaker *b, uint32_t threshold, uint64_t cooldown_ms, uint64_t max_cooldown_ms);
/* May a batch go out now?  0 yes; otherwise ms to wait (> 0). */
uint64_t breaker_allow(struct breaker *b, uint64_t now_ms);
void breaker_result(struct breaker *b, int success, uint64_t now_ms);
const char *breaker_state_name(enum breaker_state s);

#endif
