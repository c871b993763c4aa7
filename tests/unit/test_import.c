/* test_import.c - JSON Lines catalog import: canonical events, prices, per-line errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "import/import.h"

static char tmpdir[256];
static int counter;

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_import.XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Write `data` (len bytes, or strlen) to a fresh file with the given extension. */
static const char *write_tmp(const char *ext, const char *data, size_t len)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/f%d.%s", tmpdir, ++counter, ext);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (!len) len = strlen(data);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

/* All records of a file: events (or NULL for errors) and their lines/reasons. */
struct result {
    size_t n;
    json_t *ev[64];
    int error[64];
    unsigned long line[64];
    char reason[64][512];
    char pid[64][256];
};

static void parse(const char *path, enum import_format fmt, const char *cur, struct result *res)
{
    struct import_reader *r;
    char err[512];
    memset(res, 0, sizeof *res);
    assert_int_equal(import_open(&r, path, fmt, cur, err, sizeof err), 0);
    struct import_record rec = IMPORT_RECORD_INIT;
    int rc;
    while ((rc = import_next(r, &rec)) == 1) {
        assert_true(res->n < 64);
        res->error[res->n] = rec.error;
        res->line[res->n] = rec.line;
        memcpy(res->reason[res->n], rec.reason, sizeof rec.reason);
        memcpy(res->pid[res->n], rec.product_id, sizeof rec.product_id);
        if (rec.error) assert_null(rec.event);
        else assert_non_null(rec.event);
        res->ev[res->n] = rec.event;
        rec.event = NULL; /* taken */
        res->n++;
    }
    assert_int_equal(rc, 0);
    import_record_clear(&rec);
    import_close(r);
}

static void result_free(struct result *res)
{
    for (size_t i = 0; i < res->n; i++) json_decref(res->ev[i]);
}

static const char *s_at(json_t *root, const char *path)
{
    json_t *v = root;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, ".")) {
        if (*tok >= '0' && *tok <= '9') v = json_array_get(v, (size_t)atoi(tok));
        else v = json_object_get(v, tok);
    }
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_int_t i_at(json_t *root, const char *path)
{
    json_t *v = root;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, ".")) {
        if (*tok >= '0' && *tok <= '9') v = json_array_get(v, (size_t)atoi(tok));
        else v = json_object_get(v, tok);
    }
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static void assert_error(const struct result *res, size_t i, unsigned long line, const char *needle)
{
    assert_true(i < res->n);
    if (!res->error[i] || res->line[i] != line || !strstr(res->reason[i], needle))
        fail_msg("record %zu: error=%d line=%lu reason=\"%s\"; wanted line %lu with \"%s\"", i,
                 res->error[i], res->line[i], res->reason[i], line, needle);
}

static void assert_good(const struct result *res, size_t i, const char *pid)
{
    assert_true(i < res->n);
    if (res->error[i]) fail_msg("record %zu (line %lu): %s", i, res->line[i], res->reason[i]);
    assert_string_equal(s_at(res->ev[i], "product.id"), pid);
}

/* ------------------------------------------------------------------ */

static void test_basic_event(void **state)
{
    (void)state;
    const char *p = write_tmp(
        "jsonl",
        "{\"id\":\" runner-1 \",\"title\":\"  Trail Runner \",\"brand\":\"Nordkap\","
        "\"category\":\"Shoes > Sneakers\",\"description\":\"Light.\",\"options\":[\"size\","
        "\"colour\"],\"images\":[\"https://example.com/a.jpg\"],\"tags\":[\"running\"],"
        "\"variants\":[{\"sku\":\"TR-42-BLK\",\"options\":{\"size\":42,\"colour\":\"black\"},"
        "\"price\":8999,\"currency\":\"eur\",\"compare_at\":\"119.00\",\"barcode\":\"4006381333931\","
        "\"weight_g\":640,\"stock\":{\"warehouse-2\":3,\"default\":12}},"
        "{\"sku\":\"TR-43-BLK\",\"options\":{\"size\":\"43\",\"colour\":\"black\"},"
        "\"price\":{\"amount\":\"89.99\",\"currency\":\"EUR\"},\"stock\":0}]}\n",
        0);
    struct result res;
    parse(p, IMPORT_AUTO, "EUR", &res);
    assert_int_equal(res.n, 1);
    assert_good(&res, 0, "runner-1");
    json_t *ev = res.ev[0];
    assert_string_equal(s_at(ev, "type"), "catalog.upsert");
    assert_string_equal(s_at(ev, "product.title"), "Trail Runner");
    assert_string_equal(s_at(ev, "product.brand"), "Nordkap");
    assert_string_equal(s_at(ev, "product.status"), "active");
    assert_string_equal(s_at(ev, "product.options.1"), "colour");
    assert_string_equal(s_at(ev, "product.images.0"), "https://example.com/a.jpg");
    assert_string_equal(s_at(ev, "product.tags.0"), "running");
    assert_string_equal(s_at(ev, "variants.0.sku"), "TR-42-BLK");
    assert_string_equal(s_at(ev, "variants.0.product_id"), "runner-1");
    assert_string_equal(s_at(ev, "variants.0.options.size"), "42");
    assert_int_equal(i_at(ev, "variants.0.price.amount"), 8999);
    assert_string_equal(s_at(ev, "variants.0.price.currency"), "EUR");
    assert_int_equal(i_at(ev, "variants.0.compare_at.amount"), 11900);
    assert_string_equal(s_at(ev, "variants.0.barcode"), "4006381333931");
    assert_int_equal(i_at(ev, "variants.0.weight_g"), 640);
    assert_int_equal(i_at(ev, "variants.1.price.amount"), 8999);
    assert_null(json_object_get(json_array_get(json_object_get(ev, "variants"), 1), "compare_at"));
    /* stock: variant order, then location order */
    json_t *stock = json_object_get(ev, "stock");
    assert_int_equal(json_array_size(stock), 3);
    assert_string_equal(s_at(ev, "stock.0.location"), "default");
    assert_int_equal(i_at(ev, "stock.0.on_hand"), 12);
    assert_string_equal(s_at(ev, "stock.1.location"), "warehouse-2");
    assert_int_equal(i_at(ev, "stock.1.on_hand"), 3);
    assert_string_equal(s_at(ev, "stock.2.sku"), "TR-43-BLK");
    assert_int_equal(i_at(ev, "stock.2.on_hand"), 0);
    result_free(&res);
}

static void test_decimal_exact(void **state)
{
    (void)state;
    struct {
        const char *s;
        int minor;
        int ok;
        int64_t want;
    } cases[] = {
        {"89.99", 2, 1, 8999},     {"89.9", 2, 1, 8990},     {"89", 2, 1, 8900},
        {"0.05", 2, 1, 5},         {"0", 2, 1, 0},           {"89.990", 2, 1, 8999},
        {"89.999", 2, 0, 0},       {"1500", 0, 1, 1500},     {"1500.0", 0, 1, 1500},
        {"1500.5", 0, 0, 0},       {"12.345", 3, 1, 12345},  {"1.5", 3, 1, 1500},
        {"12.3456", 3, 0, 0},      {"-1.00", 2, 0, 0},       {"+1", 2, 0, 0},
        {"1e3", 2, 0, 0},          {"1,99", 2, 0, 0},        {"", 2, 0, 0},
        {".5", 2, 0, 0},           {"5.", 2, 0, 0},          {" 5", 2, 0, 0},
        {"92233720368547758.07", 2, 1, INT64_MAX},           {"92233720368547758.08", 2, 0, 0},
        {"99999999999999999999", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = -7;
        char err[200] = "";
        int rc = import_decimal_to_minor(cases[i].s, cases[i].minor, &v, err, sizeof err);
        if (cases[i].ok) {
            if (rc != 0) fail_msg("\"%s\": %s", cases[i].s, err);
            assert_int_equal(v, cases[i].want);
        } else {
            if (rc == 0) fail_msg("\"%s\" accepted as %lld", cases[i].s, (long long)v);
            assert_int_equal(v, -7);
            assert_true(err[0] != '\0');
        }
    }
    char err[200];
    int64_t v;
    assert_int_equal(import_decimal_to_minor("89.999", 2, &v, err, sizeof err), -1);
    assert_non_null(strstr(err, "3 decimals"));
}

static void test_price_per_currency(void **state)
{
    (void)state;
    const char *p = write_tmp(
        "jsonl",
        "{\"id\":\"p1\",\"title\":\"T\",\"variants\":[{\"sku\":\"a\",\"price\":\"89.99\"}]}\n"
        "{\"id\":\"p2\",\"title\":\"T\",\"variants\":[{\"sku\":\"b\",\"price\":\"1500\",\"currency\":\"JPY\"}]}\n"
        "{\"id\":\"p3\",\"title\":\"T\",\"currency\":\"kwd\",\"variants\":[{\"sku\":\"c\",\"price\":\"12.345\"}]}\n"
        "{\"id\":\"p4\",\"title\":\"T\",\"variants\":[{\"sku\":\"d\",\"price\":\"1500.5\",\"currency\":\"JPY\"}]}\n"
        "{\"id\":\"p5\",\"title\":\"T\",\"variants\":[{\"sku\":\"e\",\"price\":\"89.999\"}]}\n"
        "{\"id\":\"p6\",\"title\":\"T\",\"variants\":[{\"sku\":\"f\",\"price\":89.99}]}\n"
        "{\"id\":\"p7\",\"title\":\"T\",\"variants\":[{\"sku\":\"g\",\"price\":{\"amount\":500,\"currency\":\"USD\"},\"currency\":\"EUR\"}]}\n"
        "{\"id\":\"p8\",\"title\":\"T\",\"variants\":[{\"sku\":\"h\",\"price\":\"0.001\",\"currency\":\"KWD\"}]}\n"
        "{\"id\":\"p9\",\"title\":\"T\",\"variants\":[{\"sku\":\"i\",\"price\":100,\"compare_at\":\"0.00\"}]}\n",
        0);
    struct result res;
    parse(p, IMPORT_JSONL, "EUR", &res);
    assert_int_equal(res.n, 9);
    assert_good(&res, 0, "p1");
    assert_int_equal(i_at(res.ev[0], "variants.0.price.amount"), 8999);
    assert_string_equal(s_at(res.ev[0], "variants.0.price.currency"), "EUR");
    assert_good(&res, 1, "p2");
    assert_int_equal(i_at(res.ev[1], "variants.0.price.amount"), 1500);
    assert_string_equal(s_at(res.ev[1], "variants.0.price.currency"), "JPY");
    assert_good(&res, 2, "p3");
    assert_int_equal(i_at(res.ev[2], "variants.0.price.amount"), 12345);
    assert_string_equal(s_at(res.ev[2], "variants.0.price.currency"), "KWD");
    assert_error(&res, 3, 4, "decimals");
    assert_error(&res, 4, 5, "3 decimals");
    assert_error(&res, 5, 6, "minor units");
    assert_error(&res, 6, 7, "differs");
    assert_good(&res, 7, "p8");
    assert_int_equal(i_at(res.ev[7], "variants.0.price.amount"), 1);
    assert_good(&res, 8, "p9"); /* compare_at 0 = none */
    assert_null(json_object_get(json_array_get(json_object_get(res.ev[8], "variants"), 0), "compare_at"));
    result_free(&res);

    /* no default currency and none in the line: refused */
    p = write_tmp("jsonl", "{\"id\":\"p1\",\"title\":\"T\",\"variants\":[{\"sku\":\"a\",\"price\":1}]}", 0);
    parse(p, IMPORT_JSONL, NULL, &res);
    assert_int_equal(res.n, 1);
    assert_error(&res, 0, 1, "no currency");
    result_free(&res);
}

/* Every bad case on its own line, good lines between them still come out. */
static void test_bad_lines(void **state)
{
    (void)state;
#define GOOD(id, sku) "{\"id\":\"" id "\",\"title\":\"T\",\"variants\":[{\"sku\":\"" sku "\",\"price\":100}]}\n"
    const char *text =
        GOOD("g1", "S1")                                                                  /* 1 */
        "{\"title\":\"T\",\"variants\":[{\"sku\":\"S2\",\"price\":100}]}\n"               /* 2 */
        "{\"id\":\"b3\",\"title\":\"T\",\"variants\":[{\"price\":100}]}\n"                /* 3 */
        "{\"id\":\"b4\",\"variants\":[{\"sku\":\"S4\",\"price\":100}]}\n"                 /* 4 */
        GOOD("b5", "S1")                                                                  /* 5 */
        "{\"id\":\"b6\",\"title\":\"T\",\"variants\":[{\"sku\":\"S6\",\"price\":-5}]}\n"  /* 6 */
        "\n"                                                                              /* 7 */
        "{\"id\":\"b8\",\"title\":\"T\",\"variants\":[{\"sku\":\"S8\",\"price\":\"abc\"}]}\n" /* 8 */
        "{\"id\":\"b9\",\"title\":\"T\",\"variants\":[{\"sku\":\"S9\",\"price\":1,\"currency\":\"XYZ\"}]}\n"
        "{\"id\":\"b10\",\"title\":\"T\",\"variants\":[{\"sku\":\"S10a\",\"price\":1,\"options\":{\"s\":1}},"
        "{\"sku\":\"S10b\",\"price\":1,\"currency\":\"USD\",\"options\":{\"s\":2}}],\"options\":[\"s\"]}\n"
        "{\"id\":\"b11\",\"title\":\"T\",\"variants\":[{\"sku\":\"S11\",\"price\":1,\"stock\":{\"default\":-1}}]}\n"
        "{\"id\":\"b12\",\"title\":\"T\",\"variants\":[{\"sku\":\"S12\",\"price\":1,\"stock\":{\"default\":1.5}}]}\n"
        "{\"id\":\"b13\",\"title\":\"T\",\"options\":[\"size\",\"colour\"],\"variants\":[{\"sku\":\"S13\",\"price\":1,\"options\":{\"size\":\"42\"}}]}\n"
        "{\"id\":\"b14\",\"title\":\"T\",\"variants\":[{\"sku\":\"S14\",\"price\":1,}]}\n" /* 14 */
        GOOD("g15", "S15")                                                                /* 15 */
        "{\"id\":\"b16\",\"title\":\"T\",\"colour\":\"red\",\"variants\":[{\"sku\":\"S16\",\"price\":1}]}\n"
        GOOD("g1", "S17")                                                                 /* 17 */
        "{\"id\":\"b18\",\"title\":\"T\",\"variants\":[{\"sku\":\"S18\",\"price\":1,\"stock\":\"3\"}]}\n"
        "{\"id\":\"b19\",\"title\":\"T\",\"variants\":[{\"sku\":\"S19\",\"price\":1,\"barcode\":\"4006381333932\"}]}\n"
        "{\"id\":\"b20\",\"title\":\"T\",\"variants\":[]}\n"                               /* 20 */
        "[1,2]\n"                                                                         /* 21 */
        "{\"id\":\"b22\",\"title\":\"T\",\"options\":[\"size\"],\"variants\":[{\"sku\":\"S22a\",\"price\":1,\"options\":{\"size\":\"M\"}},"
        "{\"sku\":\"S22b\",\"price\":1,\"options\":{\"size\":\"M\"}}]}\n"                   /* 22 */
        "{\"id\":\"b23\",\"title\":\"T\",\"variants\":[{\"sku\":\"S23\",\"price\":1,\"stock\":{\"Main Store\":1}}]}\n"
        "{\"id\":\"b24\",\"title\":\"T\",\"variants\":[{\"sku\":\"S24\",\"price\":500,\"compare_at\":400}]}\n"
        "{\"id\":\"b25\",\"title\":\"T\",\"variants\":[{\"sku\":\"S25\",\"price\":1,\"options\":{\"size\":\"M\"}}]}\n"
        GOOD("g26", "S26");                                                               /* 26 */
#undef GOOD
    const char *p = write_tmp("jsonl", text, 0);
    struct result res;
    parse(p, IMPORT_JSONL, "EUR", &res);
    assert_int_equal(res.n, 25); /* 26 lines, one blank */
    size_t i = 0;
    assert_good(&res, i++, "g1");
    assert_error(&res, i++, 2, "missing id");
    assert_error(&res, i++, 3, "missing sku");
    assert_error(&res, i++, 4, "missing title");
    assert_error(&res, i++, 5, "duplicate SKU (first on line 1)");
    assert_error(&res, i++, 6, "negative");
    assert_error(&res, i++, 8, "not a decimal amount");
    assert_error(&res, i++, 9, "unknown currency \"XYZ\"");
    assert_error(&res, i++, 10, "currency USD differs from EUR");
    assert_error(&res, i++, 11, "negative stock -1");
    assert_error(&res, i++, 12, "not an integer");
    assert_error(&res, i++, 13, "no value for option \"colour\"");
    assert_error(&res, i++, 14, "bad JSON at column");
    assert_good(&res, i++, "g15");
    assert_error(&res, i++, 16, "unknown field \"colour\"");
    assert_error(&res, i++, 17, "duplicate product id (first on line 1)");
    assert_error(&res, i++, 18, "stock must be an integer");
    assert_error(&res, i++, 19, "check digit");
    assert_error(&res, i++, 20, "non-empty \"variants\"");
    assert_error(&res, i++, 21, "must be a JSON object");
    assert_error(&res, i++, 22, "same options as variant \"S22a\"");
    assert_error(&res, i++, 23, "not a valid name");
    assert_error(&res, i++, 24, "must be above the price");
    assert_error(&res, i++, 25, "not one of the product's options");
    assert_good(&res, i++, "g26");
    assert_string_equal(res.pid[5], "b6");
    result_free(&res);
}

/* A product with one bad variant gives nothing at all; the next line is unaffected. */
static void test_all_or_nothing(void **state)
{
    (void)state;
    const char *p = write_tmp(
        "jsonl",
        "{\"id\":\"p\",\"title\":\"T\",\"options\":[\"size\"],\"variants\":[{\"sku\":\"A\",\"price\":1,"
        "\"stock\":5,\"options\":{\"size\":\"S\"}},{\"sku\":\"B\",\"price\":-1,\"options\":{\"size\":\"M\"}}]}\n"
        "{\"id\":\"q\",\"title\":\"T\",\"variants\":[{\"sku\":\"C\",\"price\":1}]}\n"
        /* A was named on line 1 (even though line 1 failed): still a duplicate */
        "{\"id\":\"r\",\"title\":\"T\",\"variants\":[{\"sku\":\"A\",\"price\":1}]}\n",
        0);
    struct result res;
    parse(p, IMPORT_JSONL, "EUR", &res);
    assert_int_equal(res.n, 3);
    assert_error(&res, 0, 1, "variant \"B\": price -1 is negative");
    assert_null(res.ev[0]);
    assert_good(&res, 1, "q");
    assert_error(&res, 2, 3, "first on line 1");
    result_free(&res);
}

static void test_line_handling(void **state)
{
    (void)state;
    /* BOM, CRLF, blank lines, white space only line, last line without newline */
    const char *p = write_tmp(
        "ndjson",
        "\xEF\xBB\xBF{\"id\":\"a\",\"title\":\"T\",\"variants\":[{\"sku\":\"A\",\"price\":1}]}\r\n"
        "\r\n"
        "   \t \n"
        "{\"id\":\"b\",\"title\":\"T\",\"variants\":[{\"sku\":\"B\",\"price\":1}]}\r\n"
        "{\"id\":\"c\",\"title\":\"T\",\"variants\":[{\"sku\":\"C\",\"price\":1}]}",
        0);
    struct result res;
    parse(p, IMPORT_AUTO, "EUR", &res);
    assert_int_equal(res.n, 3);
    assert_good(&res, 0, "a");
    assert_int_equal(res.line[0], 1);
    assert_good(&res, 1, "b");
    assert_int_equal(res.line[1], 4);
    assert_good(&res, 2, "c");
    assert_int_equal(res.line[2], 5);
    result_free(&res);

    /* a line over the cap is one error; the lines around it are fine */
    size_t big = IMPORT_MAX_LINE + 100;
    const char *head = "{\"id\":\"a\",\"title\":\"T\",\"variants\":[{\"sku\":\"A\",\"price\":1}]}\n"
                       "{\"id\":\"big\",\"description\":\"";
    const char *tail = "\"}\n{\"id\":\"c\",\"title\":\"T\",\"variants\":[{\"sku\":\"C\",\"price\":1}]}\n";
    size_t n = strlen(head) + big + strlen(tail);
    char *data = malloc(n + 1);
    strcpy(data, head);
    memset(data + strlen(head), 'x', big);
    strcpy(data + strlen(head) + big, tail);
    p = write_tmp("jsonl", data, n);
    free(data);
    parse(p, IMPORT_AUTO, "EUR", &res);
    assert_int_equal(res.n, 3);
    assert_good(&res, 0, "a");
    assert_error(&res, 1, 2, "longer than");
    assert_good(&res, 2, "c");
    assert_int_equal(res.line[2], 3);
    result_free(&res);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct import_reader *r = NULL;
    char err[512];
    assert_int_equal(import_open(&r, "/nonexistent/x.jsonl", IMPORT_AUTO, "EUR", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/x.jsonl"));
    assert_null(r);
    const char *p = write_tmp("txt", "x", 0);
    assert_int_equal(import_open(&r, p, IMPORT_AUTO, "EUR", err, sizeof err), -1);
    assert_non_null(strstr(err, "--format"));
    assert_int_equal(import_open(&r, p, IMPORT_JSONL, "EURO", err, sizeof err), -1);
    assert_non_null(strstr(err, "EURO"));
    assert_int_equal(import_open(&r, "-", IMPORT_AUTO, "EUR", err, sizeof err), -1);
    assert_int_equal(import_format_parse("CSV"), IMPORT_CSV);
    assert_int_equal(import_format_parse("ndjson"), IMPORT_JSONL);
    assert_int_equal(import_format_parse("xml"), -1);
    assert_int_equal(import_format_guess("a/b.CSV"), IMPORT_CSV);
    assert_int_equal(import_format_guess("a.d/b"), IMPORT_AUTO);
}

/* Progress counts bytes and lines; the same file twice gives the same bytes. */
static void test_progress_and_determinism(void **state)
{
    (void)state;
    const char *text =
        "{\"variants\":[{\"stock\":{\"b\":2,\"a\":1},\"price\":\"5.00\",\"sku\":\"X\"}],\"title\":\"T\",\"id\":\"p\"}\n"
        "{\"id\":\"q\",\"title\":\"T\",\"variants\":[{\"sku\":\"Y\",\"price\":500,\"stock\":{\"a\":1,\"b\":2}}]}\n";
    const char *p = write_tmp("jsonl", text, 0);
    char *dumps[2];
    for (int k = 0; k < 2; k++) {
        struct import_reader *r;
        char err[256];
        assert_int_equal(import_open(&r, p, IMPORT_AUTO, "EUR", err, sizeof err), 0);
        uint64_t done, total;
        import_progress(r, &done, &total);
        assert_int_equal(done, 0);
        assert_int_equal(total, strlen(text));
        struct import_record rec = IMPORT_RECORD_INIT;
        size_t len = 0;
        char *all = NULL;
        FILE *m = open_memstream(&all, &len);
        while (import_next(r, &rec) == 1) {
            assert_false(rec.error);
            char *s = json_dumps(rec.event, JSON_SORT_KEYS | JSON_COMPACT);
            fprintf(m, "%s\n", s);
            free(s);
        }
        import_progress(r, &done, &total);
        assert_int_equal(done, strlen(text));
        assert_int_equal(import_lines(r), 2);
        import_record_clear(&rec);
        import_close(r);
        fclose(m);
        dumps[k] = all;
    }
    assert_string_equal(dumps[0], dumps[1]);
    /* key order and price form in the input do not matter */
    char *nl = strchr(dumps[0], '\n');
    assert_non_null(nl);
    const char *second = nl + 1;
    const char *stock1 = strstr(dumps[0], "\"stock\":");
    const char *stock2 = strstr(second, "\"stock\":");
    assert_non_null(stock1);
    assert_non_null(stock2);
    assert_non_null(strstr(dumps[0], "{\"location\":\"a\",\"on_hand\":1,\"sku\":\"X\"},{\"location\":\"b\""));
    assert_non_null(strstr(second, "\"price\":{\"amount\":500,\"currency\":\"EUR\"}"));
    assert_non_null(strstr(dumps[0], "\"price\":{\"amount\":500,\"currency\":\"EUR\"}"));
    free(dumps[0]);
    free(dumps[1]);
}

/* Thousands of SKUs (the file-wide map grows several times): duplicates are still
 * found and name the right first line. */
static void test_many_skus(void **state)
{
    (void)state;
    size_t n = 3000, cap = n * 100 + 400, len = 0;
    char *text = malloc(cap);
    for (size_t i = 1; i <= n; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "{\"id\":\"p%zu\",\"title\":\"T\",\"variants\":[{\"sku\":\"SKU-%zu\",\"price\":1}]}\n",
                                i, i);
    len += (size_t)snprintf(text + len, cap - len,
                            "{\"id\":\"d1\",\"title\":\"T\",\"variants\":[{\"sku\":\"SKU-1\",\"price\":1}]}\n"
                            "{\"id\":\"d2\",\"title\":\"T\",\"variants\":[{\"sku\":\"SKU-2999\",\"price\":1}]}\n"
                            "{\"id\":\"p1500\",\"title\":\"T\",\"variants\":[{\"sku\":\"NEW\",\"price\":1}]}\n");
    const char *p = write_tmp("jsonl", text, len);
    free(text);
    struct import_reader *r;
    char err[256];
    assert_int_equal(import_open(&r, p, IMPORT_AUTO, "EUR", err, sizeof err), 0);
    struct import_record rec = IMPORT_RECORD_INIT;
    size_t good = 0, bad = 0;
    while (import_next(r, &rec) == 1) {
        if (!rec.error) {
            good++;
            continue;
        }
        bad++;
        if (rec.line == n + 1) assert_non_null(strstr(rec.reason, "first on line 1)"));
        else if (rec.line == n + 2) assert_non_null(strstr(rec.reason, "first on line 2999)"));
        else if (rec.line == n + 3) assert_non_null(strstr(rec.reason, "duplicate product id (first on line 1500)"));
        else fail_msg("line %lu: %s", rec.line, rec.reason);
    }
    assert_int_equal(good, n);
    assert_int_equal(bad, 3);
    import_record_clear(&rec);
    import_close(r);
}

/* The fixture the end-to-end test imports: known good and bad lines. */
static void test_mixed_fixture(void **state)
{
    (void)state;
    const char *src = getenv("HUB_SRC_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/unit/import_fixtures/mixed.jsonl", src ? src : ".");
    struct result res;
    parse(path, IMPORT_AUTO, "EUR", &res);
    size_t good = 0, bad = 0;
    int saw_neg = 0, saw_xyz = 0, saw_json = 0, saw_dup = 0;
    for (size_t i = 0; i < res.n; i++) {
        if (!res.error[i]) {
            good++;
            continue;
        }
        bad++;
        if (strstr(res.reason[i], "negative")) saw_neg = 1;
        if (strstr(res.reason[i], "\"XYZ\"")) saw_xyz = 1;
        if (strstr(res.reason[i], "bad JSON")) saw_json = 1;
        if (strstr(res.reason[i], "duplicate SKU")) saw_dup = 1;
    }
    assert_int_equal(good, 3);
    assert_int_equal(bad, 4);
    assert_true(saw_neg && saw_xyz && saw_json && saw_dup);
    result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_event),
        cmocka_unit_test(test_decimal_exact),
        cmocka_unit_test(test_price_per_currency),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_line_handling),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_progress_and_determinism),
        cmocka_unit_test(test_many_skus),
        cmocka_unit_test(test_mixed_fixture),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
