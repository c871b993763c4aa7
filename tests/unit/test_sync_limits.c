/* test_sync_limits.c - the token bucket, its linger rule and the circuit breaker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sync/breaker.h"
#include "sync/bucket.h"

static void test_bucket_burst_then_rate(void **state)
{
    (void)state;
    struct bucket b;
    bucket_init(&b, 10, 3, 1000);
    for (int i = 0; i < 3; i++) assert_int_equal(bucket_take(&b, 1000), 0);
    uint64_t wait = bucket_take(&b, 1000);
    assert_true(wait >= 100 && wait <= 101); /* one token per 100 ms */
    assert_int_equal(bucket_take(&b, 1100), 0);
    assert_true(bucket_take(&b, 1100) > 0);
    /* Never more than the capacity, however long it rested. */
    for (int i = 0; i < 3; i++) assert_int_equal(bucket_take(&b, 100000), 0);
    assert_true(bucket_take(&b, 100000) > 0);
}

static void test_bucket_unlimited(void **state)
{
    (void)state;
    struct bucket b;
    bucket_init(&b, 0, 0, 0);
    for (int i = 0; i < 1000; i++) assert_int_equal(bucket_take(&b, 5), 0);
}

static void test_retry_after_closes_the_bucket(void **state)
{
    (void)state;
    struct bucket b;
    bucket_init(&b, 0, 0, 0); /* even an unlimited channel waits when told to */
    bucket_hint(&b, -1, -1, -1, 2000, 5000);
    assert_int_equal(bucket_take(&b, 5000), 2000);
    assert_int_equal(bucket_take(&b, 6999), 1);
    assert_int_equal(bucket_take(&b, 7000), 0);
}

static void test_hint_follows_the_channel(void **state)
{
    (void)state;
    struct bucket b;
    bucket_init(&b, 100, 100, 0);
    bucket_hint(&b, 0, 40, 2, 0, 0); /* channel: 0 left of 40, 2/s */
    assert_int_equal(bucket_take(&b, 0), 501);
    assert_true(bucket_take(&b, 499) > 0);
    assert_int_equal(bucket_take(&b, 500), 0);
    assert_true(bucket_take(&b, 500) > 0);
}

static void test_breaker_opens_after_threshold_and_probes(void **state)
{
    (void)state;
    struct breaker br;
    breaker_init(&br, 3, 1000, 8000);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(breaker_allow(&br, 0), 0);
        breaker_result(&br, 0, 0);
        assert_int_equal(br.state, BREAKER_CLOSED);
    }
    breaker_result(&br, 0, 10);
    assert_int_equal(br.state, BREAKER_OPEN);
    assert_int_equal(breaker_allow(&br, 10), 1000);
    assert_int_equal(breaker_allow(&br, 1010), 0); /* the probe */
    assert_int_equal(br.state, BREAKER_HALF_OPEN);
    assert_true(breaker_allow(&br, 1010) > 0);     /* only one probe */
    breaker_result(&br, 0, 1020);                   /* probe failed: open, longer */
    assert_int_equal(br.state, BREAKER_OPEN);
    assert_int_equal(breaker_allow(&br, 1020), 2000);
    assert_int_equal(breaker_allow(&br, 3020), 0);
    breaker_result(&br, 1, 3030);                   /* probe ok: closed, cooldown reset */
    assert_int_equal(br.state, BREAKER_CLOSED);
    assert_int_equal(br.current_cooldown_ms, 1000);
}

static void test_breaker_success_resets_the_count(void **state)
{
    (void)state;
    struct breaker br;
    breaker_init(&br, 3, 1000, 8000);
    breaker_result(&br, 0, 0);
    breaker_result(&br, 0, 0);
    breaker_result(&br, 1, 0);
    breaker_result(&br, 0, 0);
    breaker_result(&br, 0, 0);
    assert_int_equal(br.state, BREAKER_CLOSED);
}

static void test_breaker_cooldown_is_capped(void **state)
{
    (void)state;
    struct breaker br;
    breaker_init(&br, 1, 1000, 3000);
    uint64_t t = 0;
    uint64_t waits[4];
    for (int i = 0; i < 4; i++) {
        breaker_allow(&br, t);
        breaker_result(&br, 0, t);
        waits[i] = breaker_allow(&br, t);
        t += waits[i];
    }
    assert_int_equal(waits[0], 1000);
    assert_int_equal(waits[1], 2000);
    assert_int_equal(waits[2], 3000);
    assert_int_equal(waits[3], 3000);
}


/* A batch waits for more changes only on a scarce budget. */
static void test_linger_only_when_scarce(void **state)
{
    (void)state;
    struct bucket b;
    bucket_init(&b, 0, 0, 0); /* unlimited */
    assert_int_equal(bucket_linger_ms(&b, 0), 0);
    bucket_init(&b, 50, 10, 0); /* plentiful, tokens to spare: at once */
    assert_int_equal(bucket_linger_ms(&b, 0), 0);
    for (int i = 0; i < 9; i++) assert_int_equal(bucket_take(&b, 0), 0);
    assert_int_equal(bucket_linger_ms(&b, 0), 20); /* last token: 1000/50 ms */
    bucket_init(&b, 2, 10, 0); /* scarce rate, tokens to spare: the short window */
    assert_int_equal(bucket_linger_ms(&b, 0), LINGER_QUIET_MS);
    for (int i = 0; i < 10; i++) assert_int_equal(bucket_take(&b, 0), 0);
    assert_int_equal(bucket_linger_ms(&b, 0), LINGER_CAP_MS); /* empty at 2/s: 500 ms, capped */
    bucket_init(&b, 5, 1, 0);
    assert_int_equal(bucket_linger_ms(&b, 0), 200); /* one token left at 5/s */
    bucket_init(&b, 1000, 100, 0);
    bucket_hint(&b, 0, -1, -1, 2000, 0); /* Retry-After: closed, the last-token rule */
    assert_int_equal(bucket_linger_ms(&b, 0), LINGER_MIN_MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_burst_then_rate),
        cmocka_unit_test(test_bucket_unlimited),
        cmocka_unit_test(test_retry_after_closes_the_bucket),
        cmocka_unit_test(test_hint_follows_the_channel),
        cmocka_unit_test(test_linger_only_when_scarce),
        cmocka_unit_test(test_breaker_opens_after_threshold_and_probes),
        cmocka_unit_test(test_breaker_success_resets_the_count),
        cmocka_unit_test(test_breaker_cooldown_is_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
