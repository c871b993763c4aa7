/* test_json_text.c - json_text() writes the very bytes json_dumps() would
 * (compact, optionally sorted keys), for hand-picked edge cases and for
 * thousands of random values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json_text.h"

static void same_as_jansson(const json_t *v)
{
    for (int sort = 0; sort <= 1; sort++) {
        char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | (sort ? JSON_SORT_KEYS : 0));
        char *got = json_text(v, sort ? JSON_TEXT_SORT_KEYS : 0);
        assert_non_null(want);
        assert_non_null(got);
        if (strcmp(want, got) != 0) fail_msg("sort=%d\n want %s\n got  %s", sort, want, got);
        free(want);
        free(got);
    }
}

static void test_edge_cases(void **state)
{
    (void)state;
    const char *texts[] = {
        "null", "true", "false", "0", "-1", "9223372036854775807", "-9223372036854775808",
        "\"\"", "\"a\\\"b\\\\c/d\"", "\"\\u0000x\\u0001\\u001f\\b\\f\\n\\r\\t\\u007f\"",
        "\"caf\\u00e9 \\u2028 \\ud83d\\ude00\"", "[]", "{}", "[[],{},[{}]]",
        "{\"b\":1,\"a\":2,\"\":3,\"ab\":4,\"a\\u0001\":5}",
        "1.5", "0.1", "-0.0", "100.0", "1e21", "1e-7", "123456789012345678.0", "5e-324",
        "1.7976931348623157e308", "2.5e-5", "3.14159265358979",
        "{\"sku\":\"A1\",\"quantity\":5,\"payload\":{\"title\":\"T\\\"x\",\"tags\":[\"a\",\"b\"],\"price\":{\"amount\":1999,\"currency\":\"EUR\"}}}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        json_error_t e;
        json_t *v = json_loads(texts[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
        if (!v) fail_msg("%s: %s", texts[i], e.text);
        same_as_jansson(v);
        json_decref(v);
    }
}

static unsigned rnd(void) { return (unsigned)rand(); }

static json_t *random_string(void)
{
    char s[40];
    size_t n = rnd() % 12, k = 0;
    for (size_t i = 0; i < n; i++) {
        switch (rnd() % 6) {
        case 0: s[k++] = (char)(rnd() % 0x20); break;              /* control */
        case 1: s[k++] = "\"\\/"[rnd() % 3]; break;                  /* escapes */
        case 2: memcpy(s + k, "\xc3\xa9", 2); k += 2; break;         /* e-acute */
        case 3: memcpy(s + k, "\xf0\x9f\x98\x80", 4); k += 4; break; /* emoji */
        default: s[k++] = (char)(' ' + rnd() % 95);
        }
    }
    return json_stringn(s, k);
}

static json_t *random_value(int depth)
{
    switch (rnd() % (depth > 4 ? 6 : 8)) {
    case 0: return json_null();
    case 1: return json_boolean(rnd() % 2);
    case 2: {
        long long x = (long long)(((unsigned long long)rnd() << 33) ^ ((unsigned long long)rnd() << 2) ^ rnd());
        return json_integer(rnd() % 3 ? x % 100000 : x);
    }
    case 3: {
        double d = (double)(int)(rnd() % 2000000 - 1000000) / (double)(1 + rnd() % 1000);
        if (rnd() % 4 == 0) d = ldexp(d, (int)(rnd() % 200) - 100);
        return json_real(d);
    }
    case 4:
    case 5: return random_string();
    case 6: {
        json_t *a = json_array();
        for (unsigned i = rnd() % 5; i; i--) json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = rnd() % 20; i; i--) {
            char key[8];
            snprintf(key, sizeof key, "%c%u", 'a' + (int)(rnd() % 26), rnd() % 50);
            json_object_set_new(o, key, random_value(depth + 1));
        }
        return o;
    }
    }
}

static void test_random_values(void **state)
{
    (void)state;
    srand(12345);
    for (int i = 0; i < 5000; i++) {
        json_t *v = random_value(0);
        same_as_jansson(v);
        json_decref(v);
    }
}

static void test_append_and_errors(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "x=");
    json_t *v = json_pack("{s:i}", "a", 1);
    assert_int_equal(json_text_append(&b, v, 0), 0);
    assert_string_equal(b.data, "x={\"a\":1}");
    assert_int_equal(json_text_append(&b, NULL, 0), -1);
    assert_string_equal(b.data, "x={\"a\":1}"); /* unchanged on failure */
    assert_null(json_text(NULL, 0));
    json_decref(v);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_random_values),
        cmocka_unit_test(test_append_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
