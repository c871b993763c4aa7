/* test_chatgpt_totals.c - the ChatGPT cart's pure pricing code: the one
 * rounding rule (per line, half-up), fixed-coupon split, tax inclusive and
 * exclusive, shipping threshold, coupon parsing/expiry/minimum, money
 * formatting, and the payment provider's refusal of card numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/chatgpt/coupons.c"
#include "../../plugins/chatgpt/payment.c"
#include "../../plugins/chatgpt/totals.c"

static json_t *lines2(int64_t u1, int64_t q1, int64_t u2, int64_t q2)
{
    return json_pack("[{s:s, s:I, s:I}, {s:s, s:I, s:I}]", "sku", "A", "unit_amount", (json_int_t)u1, "quantity",
                     (json_int_t)q1, "sku", "B", "unit_amount", (json_int_t)u2, "quantity", (json_int_t)q2);
}

static int64_t ji(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/* Every total is the sum of its lines. */
static void assert_sums(const json_t *t, int inclusive)
{
    int64_t gross = 0, disc = 0, tax = 0, total = 0;
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(t, "lines"), i, l) {
        assert_int_equal(ji(l, "gross"), ji(l, "unit_amount") * ji(l, "quantity"));
        assert_int_equal(ji(l, "net"), ji(l, "gross") - ji(l, "discount"));
        assert_int_equal(ji(l, "total"), ji(l, "net") + (inclusive ? 0 : ji(l, "tax")));
        gross += ji(l, "gross");
        disc += ji(l, "discount");
        tax += ji(l, "tax");
        total += ji(l, "total");
    }
    const json_t *s = json_object_get(t, "shipping_line");
    assert_int_equal(ji(t, "subtotal"), gross);
    assert_int_equal(ji(t, "discount"), disc);
    assert_int_equal(ji(t, "tax"), tax + ji(s, "tax"));
    assert_int_equal(ji(t, "total"), total + ji(s, "total"));
    assert_int_equal(ji(t, "shipping"), ji(s, "amount"));
}

static void test_muldiv_half_up(void **state)
{
    (void)state;
    assert_int_equal(totals_muldiv_round(5, 1, 10), 1);      /* 0.5 -> 1 */
    assert_int_equal(totals_muldiv_round(4, 1, 10), 0);      /* 0.4 -> 0 */
    assert_int_equal(totals_muldiv_round(15, 1, 10), 2);     /* 1.5 -> 2 */
    assert_int_equal(totals_muldiv_round(5997, 10, 100), 600); /* 599.7 */
    assert_int_equal(totals_muldiv_round(5397, 1900, 11900), 862); /* 861.68 */
    assert_int_equal(totals_muldiv_round(0, 1900, 10000), 0);
    /* no overflow for large amounts */
    assert_int_equal(totals_muldiv_round(INT64_C(4000000000000000000), 1900, 10000), INT64_C(760000000000000000));
}

static void test_percent_inclusive(void **state)
{
    (void)state;
    struct chatgpt_pricing p = {.shipping_flat = 495, .free_shipping_over = 5000, .tax_bps = 1900, .tax_inclusive = 1};
    struct coupon c = {.code = "TEN", .kind = COUPON_PERCENT, .value = 10};
    json_t *lines = lines2(1999, 3, 999, 1);
    json_t *t = totals_compute(&p, "EUR", lines, &c);
    assert_int_equal(ji(t, "subtotal"), 6996);
    assert_int_equal(ji(t, "discount"), 600 + 100); /* 599.7 and 99.9, per line */
    assert_int_equal(ji(t, "shipping"), 0);         /* 6296 >= 5000 */
    assert_int_equal(ji(t, "tax"), 862 + 144);      /* 5397*19/119 = 861.68, 899*19/119 = 143.54 */
    assert_int_equal(ji(t, "total"), 6296);
    assert_sums(t, 1);
    json_decref(t);
    json_decref(lines);
}

static void test_fixed_split_and_exclusive(void **state)
{
    (void)state;
    struct chatgpt_pricing p = {.shipping_flat = 495, .free_shipping_over = 5000, .tax_bps = 1900, .tax_inclusive = 0};
    struct coupon c = {.code = "FIVER", .kind = COUPON_FIXED, .value = 500};
    json_t *lines = lines2(1999, 2, 999, 1);
    json_t *t = totals_compute(&p, "EUR", lines, &c);
    /* 500 * 3998/4997 = 400.04, 500 * 999/4997 = 99.96: floors 400 + 99, the
     * largest remainder (B) gets the last cent */
    assert_int_equal(ji(json_array_get(json_object_get(t, "lines"), 0), "discount"), 400);
    assert_int_equal(ji(json_array_get(json_object_get(t, "lines"), 1), "discount"), 100);
    assert_int_equal(ji(t, "discount"), 500);
    assert_int_equal(ji(t, "shipping"), 495); /* 4497 < 5000 */
    /* exclusive: 3598*0.19 = 683.62, 899*0.19 = 170.81, 495*0.19 = 94.05 */
    assert_int_equal(ji(t, "tax"), 684 + 171 + 94);
    assert_int_equal(ji(t, "total"), 4497 + 495 + 684 + 171 + 94);
    assert_sums(t, 0);
    json_decref(t);
    /* a fixed coupon never exceeds the subtotal */
    struct coupon big = {.code = "BIG", .kind = COUPON_FIXED, .value = 100000};
    t = totals_compute(&p, "EUR", lines, &big);
    assert_int_equal(ji(t, "discount"), 4997);
    assert_int_equal(ji(t, "tax"), 94); /* only shipping is left to tax */
    assert_sums(t, 0);
    json_decref(t);
    json_decref(lines);
    /* an empty cart costs nothing, not even shipping */
    json_t *none = json_array();
    t = totals_compute(&p, "EUR", none, NULL);
    assert_int_equal(ji(t, "total"), 0);
    json_decref(t);
    json_decref(none);
}

static void test_random_carts_add_up(void **state)
{
    (void)state;
    srand(42);
    for (int round = 0; round < 500; round++) {
        struct chatgpt_pricing p = {.shipping_flat = rand() % 1000, .free_shipping_over = rand() % 3 ? rand() % 20000 : -1,
                                    .tax_bps = rand() % 2500, .tax_inclusive = rand() % 2};
        struct coupon c = {.code = "X", .kind = rand() % 2 ? COUPON_PERCENT : COUPON_FIXED};
        c.value = c.kind == COUPON_PERCENT ? 1 + rand() % 100 : 1 + rand() % 30000;
        json_t *lines = json_array();
        int n = 1 + rand() % 6;
        for (int i = 0; i < n; i++)
            json_array_append_new(lines, json_pack("{s:s, s:I, s:I}", "sku", "S", "unit_amount", (json_int_t)(rand() % 50000),
                                                   "quantity", (json_int_t)(1 + rand() % 9)));
        json_t *t = totals_compute(&p, "EUR", lines, rand() % 3 ? &c : NULL);
        assert_sums(t, p.tax_inclusive);
        assert_true(ji(t, "discount") <= ji(t, "subtotal"));
        json_decref(t);
        json_decref(lines);
    }
}

static void test_coupons_parse_and_check(void **state)
{
    (void)state;
    struct coupon *cs = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(coupons_parse(" welcome10:percent:10:min=5000:until=2026-12-31 , FIVER:fixed:500 ", &cs, &n, err,
                                   sizeof err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(cs[0].code, "WELCOME10");
    assert_int_equal(cs[0].min_subtotal, 5000);
    struct chatgpt_pricing p = {.coupons = cs, .n_coupons = n};
    assert_ptr_equal(coupon_find(&p, "Welcome10"), &cs[0]);
    assert_null(coupon_find(&p, "WELCOME"));
    /* 2026-12-31 is valid through 23:59:59.999 UTC that day */
    uint64_t dec31 = (uint64_t)days_from_civil(2026, 12, 31) * 86400000ULL;
    assert_int_equal(coupon_check(&cs[0], 5000, "EUR", dec31 + 86399999, err, sizeof err), 0);
    assert_int_equal(coupon_check(&cs[0], 5000, "EUR", dec31 + 86400000, err, sizeof err), -1);
    assert_non_null(strstr(err, "expired on 2026-12-31"));
    assert_int_equal(coupon_check(&cs[0], 4999, "EUR", dec31, err, sizeof err), -1);
    assert_non_null(strstr(err, "at least EUR 50.00"));
    coupons_free(cs, n);

    const char *bad[] = {"X:percent:0", "X:percent:101", "X:fixed:-5", "X:bogus:5", "X:percent", "X:percent:5:until=2026-02-30",
                         "X:percent:5:min=abc", "X:percent:5:color=red", "A B:percent:5", "X:fixed:5,x:fixed:6", NULL};
    for (int i = 0; bad[i]; i++) {
        err[0] = '\0';
        assert_int_equal(coupons_parse(bad[i], &cs, &n, err, sizeof err), -1);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(coupons_parse("", &cs, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
    coupons_free(cs, n);
}

static void test_money_format(void **state)
{
    (void)state;
    char b[64];
    totals_format(17980, "EUR", b, sizeof b);
    assert_string_equal(b, "EUR 179.80");
    totals_format(5, "EUR", b, sizeof b);
    assert_string_equal(b, "EUR 0.05");
    totals_format(1500, "JPY", b, sizeof b);
    assert_string_equal(b, "JPY 1500");
    totals_format(1234, "KWD", b, sizeof b);
    assert_string_equal(b, "KWD 1.234");
    totals_format(-250, "USD", b, sizeof b);
    assert_string_equal(b, "USD -2.50");
}

static void test_payment_refuses_card_numbers(void **state)
{
    (void)state;
    assert_true(payment_looks_like_pan("4111 1111 1111 1111"));
    assert_true(payment_looks_like_pan("4111-1111-1111-1111"));
    assert_false(payment_looks_like_pan("4111 1111 1111 1112")); /* Luhn fails */
    assert_false(payment_looks_like_pan("vt_01J8Z3"));
    assert_false(payment_looks_like_pan("123456"));
    const struct payment_provider *prov = payment_provider_find("demo");
    assert_non_null(prov);
    assert_null(payment_provider_find("stripe"));
    json_t *rec = NULL;
    char err[200];
    struct payment_request r = {.token = "4111111111111111", .amount = 100, .currency = "EUR", .order_id = "ord_1"};
    assert_int_equal(prov->authorize(NULL, &r, &rec, err, sizeof err), -1);
    assert_null(rec);
    r.token = "vt_secret_token";
    assert_int_equal(prov->authorize(NULL, &r, &rec, err, sizeof err), 0);
    char *txt = json_dumps(rec, 0);
    assert_null(strstr(txt, "vt_secret_token")); /* only a fingerprint is kept */
    assert_int_equal(json_integer_value(json_object_get(rec, "amount")), 100);
    assert_true(json_is_false(json_object_get(rec, "charged")));
    free(txt);
    json_decref(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_muldiv_half_up),       cmocka_unit_test(test_percent_inclusive),
        cmocka_unit_test(test_fixed_split_and_exclusive), cmocka_unit_test(test_random_carts_add_up),
        cmocka_unit_test(test_coupons_parse_and_check), cmocka_unit_test(test_money_format),
        cmocka_unit_test(test_payment_refuses_card_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
