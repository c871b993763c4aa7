/*
 * totals.h - pricing a cart: subtotal, coupon discount, shipping, tax, total.
 *
 * All amounts are int64 minor units of the cart's ISO 4217 currency.
 *
 * THE rounding rule (the only one): every fraction is computed per line and
 * rounded half-up on minor units (x.5 -> x+1), never on a sum:
 *   - percent coupon: line discount = round(gross * pct / 100);
 *   - fixed coupon: the amount (capped at the subtotal) is split over the lines
 *     in proportion to their gross, floor per line, the remaining minor units
 *     going to the lines with the largest remainders (ties: cart order), so the
 *     line discounts add up to the coupon exactly;
 *   - tax, exclusive mode (tax added on top): tax = round(net * bps / 10000);
 *   - tax, inclusive mode (prices contain tax): tax = round(net * bps / (10000 + bps)).
 * Shipping is one more line (the flat rate; 0 when subtotal - discount reaches
 * the free-shipping threshold), taxed like the others.
 *
 * Result of totals_compute / cart_totals:
 *   {"currency", "tax_mode": "inclusive"|"exclusive", "tax_rate_bps",
 *    "lines": [{"sku", "quantity", "unit_amount", "gross", "discount", "net", "tax", "total"}],
 *    "shipping_line": {"amount", "tax", "total"},
 *    "coupon": {"code", "kind", "value", "discount"} | null,
 *    "subtotal", "discount", "shipping", "tax", "total",
 *    "free_shipping_over": n | null}
 * Invariants (tested): subtotal = sum(gross); discount = sum(line discount);
 * tax = sum(line tax) + shipping_line.tax; total = sum(line total) +
 * shipping_line.total; a line's net = gross - discount and total = net (+ tax
 * when exclusive).  So total = subtotal - discount + shipping (+ tax when exclusive).
 */
#ifndef CHATGPT_TOTALS_H
#define CHATGPT_TOTALS_H

#include <stdint.h>

#include <jansson.h>

#include "chatgpt.h"

struct coupon;

/* round(a * num / den), half-up, for a >= 0, num >= 0, den > 0 (no overflow
 * for a and num below 2^31 * 10^4; larger values are computed in 128 bits). */
int64_t totals_muldiv_round(int64_t a, int64_t num, int64_t den);

/* Price `lines` ([{sku, quantity, unit_amount}]) in `currency` with `coupon`
 * (NULL: none; it must already be valid for this cart) under g->pricing.
 * A NEW object as described above. */
json_t *totals_compute(const struct chatgpt_pricing *p, const char *currency, const json_t *lines,
                       const struct coupon *coupon);

/* "EUR 179.80" / "JPY 1500": display text for the model (digits by ISO 4217). */
void totals_format(int64_t amount, const char *currency, char *out, size_t out_len);
/* Minor-unit digits of an ISO 4217 code (2 unless listed as 0 or 3). */
int totals_currency_digits(const char *currency);

#endif /* CHATGPT_TOTALS_H */
