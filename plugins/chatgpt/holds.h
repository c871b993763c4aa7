/*
 * holds.h - stock holds through the core's hold.* events (engine.h).  The
 * store is the only judge: a hold.create is refused with its own text
 * ("SKU X: cannot reserve 3, 2 available"), a hold.extend on a hold the
 * expiry sweep released with "hold.extend: no hold '...'".
 */
#ifndef CHATGPT_HOLDS_H
#define CHATGPT_HOLDS_H

#include <stdint.h>

#include <jansson.h>

#include "chatgpt.h"

/* ok: 1 committed (or a duplicate of a committed event); 0 refused by the
 * store (message: its reason) or not recorded (message: why; try again). */
typedef void (*holds_done_fn)(void *arg, int ok, const char *message);

/* Emit one event or an array (stolen); done runs exactly once (also when the
 * emit is refused outright: ok 0).  An array reports once, for all its
 * events: ok 0 if any was refused or not recorded (hub/host.h). */
void holds_emit(struct chatgpt *g, const char *idem_key, json_t *events, holds_done_fn done, void *arg);

json_t *hold_create_ev(const char *hold_id, const char *sku, int64_t qty);
json_t *hold_extend_ev(const char *hold_id);
json_t *hold_release_ev(const char *hold_id, const char *reason);

/* "<cart id>:<sku>:<n>" into out.  0, or -1 if it does not fit. */
int hold_id_make(char *out, size_t out_len, const char *cart_id, const char *sku, int64_t n);

#endif
