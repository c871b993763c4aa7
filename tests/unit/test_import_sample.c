/* test_import_sample.c - the shipped sample catalog (conf.d/samples/) imports cleanly,
 * both formats give the same canonical events, and parsing is deterministic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "import/import.h"

static const char *sample(const char *name)
{
    static char path[2][1024];
    static int k;
    const char *src = getenv("HUB_SRC_DIR");
    k ^= 1;
    snprintf(path[k], sizeof path[k], "%s/conf.d/samples/%s", src ? src : ".", name);
    return path[k];
}

struct summary {
    size_t products, variants, stock, errors;
    char *canonical; /* every event, json_dumps(SORT_KEYS|COMPACT), one a line */
    size_t len;
};

static void import_all(const char *path, struct summary *s)
{
    memset(s, 0, sizeof *s);
    struct import_reader *r;
    char err[512];
    if (import_open(&r, path, IMPORT_AUTO, "EUR", err, sizeof err) != 0) fail_msg("%s", err);
    FILE *m = open_memstream(&s->canonical, &s->len);
    struct import_record rec = IMPORT_RECORD_INIT;
    int rc;
    while ((rc = import_next(r, &rec)) == 1) {
        if (rec.error) {
            print_error("%s:%lu: %s\n", path, rec.line, rec.reason);
            s->errors++;
            continue;
        }
        s->products++;
        s->variants += rec.n_variants;
        s->stock += rec.n_stock;
        assert_int_equal(rec.n_variants, json_array_size(json_object_get(rec.event, "variants")));
        char *text = json_dumps(rec.event, JSON_SORT_KEYS | JSON_COMPACT);
        fprintf(m, "%s\n", text);
        free(text);
    }
    assert_int_equal(rc, 0);
    uint64_t done, total;
    import_progress(r, &done, &total);
    assert_int_equal(done, total);
    import_record_clear(&rec);
    import_close(r);
    fclose(m);
}

/* Count occurrences of a string in a file: an independent SKU count. */
static size_t count_in_file(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = 0, len = strlen(needle), matched = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (c == needle[matched]) {
            if (++matched == len) n++, matched = 0;
        } else {
            matched = c == needle[0] ? 1 : 0;
        }
    }
    fclose(f);
    return n;
}

static void test_jsonl_sample(void **state)
{
    (void)state;
    const char *path = sample("catalog.jsonl");
    struct summary s;
    import_all(path, &s);
    assert_int_equal(s.errors, 0);
    size_t skus = count_in_file(path, "\"sku\":");
    assert_int_equal(s.variants, skus);
    assert_true(s.variants >= 300 && s.variants <= 400);
    assert_int_equal(s.products, count_in_file(path, "\n"));
    assert_int_equal(s.stock, 2 * s.variants); /* two locations each */
    /* zeros are there on purpose, and EUR minor units everywhere */
    assert_non_null(strstr(s.canonical, "\"on_hand\":0"));
    assert_null(strstr(s.canonical, "\"currency\":\"USD\""));
    free(s.canonical);
}

static void test_csv_matches_jsonl(void **state)
{
    (void)state;
    struct summary j, c;
    import_all(sample("catalog.jsonl"), &j);
    import_all(sample("catalog.csv"), &c);
    assert_int_equal(c.errors, 0);
    assert_int_equal(c.products, j.products);
    assert_int_equal(c.variants, j.variants);
    assert_int_equal(c.len, j.len);
    assert_string_equal(c.canonical, j.canonical);
    free(j.canonical);
    free(c.canonical);
}

static void test_deterministic(void **state)
{
    (void)state;
    struct summary a, b;
    import_all(sample("catalog.csv"), &a);
    import_all(sample("catalog.csv"), &b);
    assert_true(a.len > 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.canonical, b.canonical, a.len);
    free(a.canonical);
    free(b.canonical);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_sample),
        cmocka_unit_test(test_csv_matches_jsonl),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
