/*
 * http_ratelimit.h - token buckets keyed by a short string (a client IP).
 *
 * Each key gets a bucket of `burst` tokens refilled at `rate` tokens per
 * second; a request takes one token.  At most `max_keys` buckets are kept:
 * when the table is full, buckets that have refilled completely (they are
 * equivalent to a new one) are swept out; if every bucket is still busy,
 * a new key is let through untracked (fail open) rather than evicting an
 * active client's state.  Lookup is O(1) (hash table); a sweep is O(keys)
 * and runs at most once per second.
 */
#ifndef HUB_NET_HTTP_RATELIMIT_H
#define HUB_NET_HTTP_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct http_ratelimit;

struct http_ratelimit *http_ratelimit_new(double rate_per_sec, double burst, size_t max_keys);
void http_ratelimit_free(struct http_ratelimit *rl);
/* 1: allowed, a token was taken.  0: refused; *retry_after_ms (if not NULL)
 * says when the next token is there.  Keys longer than 63 bytes are cut. */
int http_ratelimit_take(struct http_ratelimit *rl, const char *key, uint64_t now_ms,
                        uint64_t *retry_after_ms);
size_t http_ratelimit_size(const struct http_ratelimit *rl);

#endif
