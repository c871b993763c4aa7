/* totals.c - price a cart under the one rounding rule of totals.h. */
#include "totals.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coupons.h"

int64_t totals_muldiv_round(int64_t a, int64_t num, int64_t den)
{
    if (a <= 0 || num <= 0 || den <= 0) return 0;
    __int128 p = (__int128)a * num;
    __int128 q = p / den, r = p % den;
    if (2 * r >= den) q++;
    return q > INT64_MAX ? INT64_MAX : (int64_t)q;
}

int totals_currency_digits(const char *c)
{
    static const char *zero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                                 "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF", NULL};
    static const char *three[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND", NULL};
    if (!c) return 2;
    for (int i = 0; zero[i]; i++)
        if (strcmp(c, zero[i]) == 0) return 0;
    for (int i = 0; three[i]; i++)
        if (strcmp(c, three[i]) == 0) return 3;
    return 2;
}

void totals_format(int64_t amount, const char *currency, char *out, size_t out_len)
{
    int d = totals_currency_digits(currency);
    const char *sign = amount < 0 ? "-" : "";
    uint64_t a = amount < 0 ? (uint64_t)(-(amount + 1)) + 1 : (uint64_t)amount;
    if (d == 0) {
        snprintf(out, out_len, "%s %s%" PRIu64, currency ? currency : "", sign, a);
        return;
    }
    uint64_t div = d == 3 ? 1000 : 100;
    snprintf(out, out_len, "%s %s%" PRIu64 ".%0*" PRIu64, currency ? currency : "", sign, a / div, d,
             a % div);
}

static int64_t jint(const json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

/* Split `amount` over lines in proportion to gross: floor, then the largest
 * remainders get one more minor unit (ties: cart order). */
static void split_fixed(int64_t amount, const int64_t *gross, int64_t subtotal, int64_t *out, size_t n)
{
    __int128 *rem = calloc(n ? n : 1, sizeof *rem);
    if (!rem) abort();
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        __int128 p = (__int128)amount * gross[i];
        out[i] = subtotal > 0 ? (int64_t)(p / subtotal) : 0;
        rem[i] = subtotal > 0 ? p % subtotal : 0;
        given += out[i];
    }
    while (given < amount) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (out[i] < gross[i] && (best == n || rem[i] > rem[best])) best = i;
        if (best == n) break;
        out[best]++;
        rem[best] = -1;
        given++;
    }
    free(rem);
}

static int64_t line_tax(const struct chatgpt_pricing *p, int64_t net)
{
    if (p->tax_bps <= 0 || net <= 0) return 0;
    return p->tax_inclusive ? totals_muldiv_round(net, p->tax_bps, 10000 + p->tax_bps)
                            : totals_muldiv_round(net, p->tax_bps, 10000);
}

json_t *totals_compute(const struct chatgpt_pricing *p, const char *currency, const json_t *lines,
                       const struct coupon *coupon)
{
    size_t n = json_array_size(lines);
    int64_t *gross = calloc(n ? n : 1, sizeof *gross), *disc = calloc(n ? n : 1, sizeof *disc);
    if (!gross || !disc) abort();
    int64_t subtotal = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *l = json_array_get(lines, i);
        gross[i] = jint(l, "unit_amount") * jint(l, "quantity");
        subtotal += gross[i];
    }
    int64_t discount = 0;
    if (coupon && coupon->kind == COUPON_PERCENT) {
        for (size_t i = 0; i < n; i++) disc[i] = totals_muldiv_round(gross[i], coupon->value, 100);
    } else if (coupon && coupon->kind == COUPON_FIXED) {
        split_fixed(coupon->value < subtotal ? coupon->value : subtotal, gross, subtotal, disc, n);
    }
    json_t *out_lines = json_array();
    int64_t tax = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *l = json_array_get(lines, i);
        int64_t net = gross[i] - disc[i];
        int64_t t = line_tax(p, net);
        int64_t lt = net + (p->tax_inclusive ? 0 : t);
        discount += disc[i];
        tax += t;
        total += lt;
        json_array_append_new(out_lines,
                              json_pack("{s:O?, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "sku",
                                        json_object_get(l, "sku"), "quantity",
                                        (json_int_t)jint(l, "quantity"), "unit_amount",
                                        (json_int_t)jint(l, "unit_amount"), "gross", (json_int_t)gross[i],
                                        "discount", (json_int_t)disc[i], "net", (json_int_t)net, "tax",
                                        (json_int_t)t, "total", (json_int_t)lt));
    }
    int64_t ship = 0;
    if (n > 0) {
        ship = p->shipping_flat;
        if (p->free_shipping_over >= 0 && subtotal - discount >= p->free_shipping_over) ship = 0;
    }
    int64_t ship_tax = line_tax(p, ship);
    int64_t ship_total = ship + (p->tax_inclusive ? 0 : ship_tax);
    tax += ship_tax;
    total += ship_total;
    json_t *cj = json_null();
    if (coupon)
        cj = json_pack("{s:s, s:s, s:I, s:I}", "code", coupon->code, "kind", coupon_kind_name(coupon->kind),
                       "value", (json_int_t)coupon->value, "discount", (json_int_t)discount);
    json_t *res = json_pack(
        "{s:s, s:s, s:I, s:o, s:{s:I, s:I, s:I}, s:o, s:I, s:I, s:I, s:I, s:I, s:o}", "currency",
        currency ? currency : "", "tax_mode", p->tax_inclusive ? "inclusive" : "exclusive",
        "tax_rate_bps", (json_int_t)p->tax_bps, "lines", out_lines, "shipping_line", "amount",
        (json_int_t)ship, "tax", (json_int_t)ship_tax, "total", (json_int_t)ship_total, "coupon", cj,
        "subtotal", (json_int_t)subtotal, "discount", (json_int_t)discount, "shipping", (json_int_t)ship,
        "tax", (json_int_t)tax, "total", (json_int_t)total, "free_shipping_over",
        p->free_shipping_over >= 0 ? json_integer(p->free_shipping_over) : json_null());
    free(gross);
    free(disc);
    return res;
}
