/*
 * coupons.h - coupons configured in the tenant file (channel setting "coupons"):
 *   WELCOME10:percent:10:min=5000:until=2026-12-31, FIVER:fixed:500
 * percent: 1..100 % off every line; fixed: minor units off the order (split
 * over the lines, totals.h); min=: the subtotal must reach it; until=: last
 * valid day (UTC, inclusive).  Codes are matched case-insensitively; one
 * coupon per cart.
 */
#ifndef CHATGPT_COUPONS_H
#define CHATGPT_COUPONS_H

#include <stddef.h>
#include <stdint.h>

#include "chatgpt.h"

enum coupon_kind { COUPON_PERCENT = 1, COUPON_FIXED };

struct coupon {
    char code[33];        /* as configured (upper-cased) */
    enum coupon_kind kind;
    int64_t value;        /* percent 1..100, or minor units */
    int64_t min_subtotal; /* minor units, 0 = none */
    uint64_t until_ms;    /* first ms after the last valid day, 0 = no expiry */
    char until[11];       /* YYYY-MM-DD or "" */
};

/* Parse the setting.  0, or -1 with err naming the bad entry. */
int coupons_parse(const char *spec, struct coupon **out, size_t *n, char *err, size_t err_len);
void coupons_free(struct coupon *c, size_t n);
/* By code, case-insensitive, or NULL. */
const struct coupon *coupon_find(const struct chatgpt_pricing *p, const char *code);
/* Is it usable now for this subtotal?  0, or -1 with a message for the shopper. */
int coupon_check(const struct coupon *c, int64_t subtotal, const char *currency, uint64_t now_ms,
                 char *err, size_t err_len);
const char *coupon_kind_name(enum coupon_kind k);

#endif
