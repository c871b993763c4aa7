/* test_import_csv.c - CSV catalog import: RFC 4180 quoting, grouping rows into products, errors. */
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
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_import_csv.XXXXXX");
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

static const char *write_tmp(const char *data)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/f%d.csv", tmpdir, ++counter);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(data, f);
    fclose(f);
    return path;
}

struct result {
    size_t n;
    json_t *ev[32];
    int error[32];
    unsigned long line[32];
    char reason[32][512];
};

static void parse(const char *path, const char *cur, struct result *res)
{
    struct import_reader *r;
    char err[512];
    memset(res, 0, sizeof *res);
    assert_int_equal(import_open(&r, path, IMPORT_AUTO, cur, err, sizeof err), 0);
    assert_int_equal(import_reader_format(r), IMPORT_CSV);
    struct import_record rec = IMPORT_RECORD_INIT;
    int rc;
    while ((rc = import_next(r, &rec)) == 1) {
        assert_true(res->n < 32);
        res->error[res->n] = rec.error;
        res->line[res->n] = rec.line;
        memcpy(res->reason[res->n], rec.reason, sizeof rec.reason);
        res->ev[res->n] = rec.event;
        rec.event = NULL;
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

static json_t *at(json_t *root, const char *path)
{
    json_t *v = root;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, "."))
        v = (*tok >= '0' && *tok <= '9') ? json_array_get(v, (size_t)atoi(tok)) : json_object_get(v, tok);
    return v;
}

static const char *s_at(json_t *root, const char *path)
{
    json_t *v = at(root, path);
    if (!json_is_string(v)) fail_msg("%s is not a string", path);
    return json_string_value(v);
}

static json_int_t i_at(json_t *root, const char *path)
{
    json_t *v = at(root, path);
    if (!json_is_integer(v)) fail_msg("%s is not an integer", path);
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

#define HDR                                                                                   \
    "product_id,title,brand,category,description,sku,option1_name,option1_value,option2_name," \
    "option2_value,price,currency,compare_at,barcode,weight_g,image_urls,location,on_hand\n"

/* ------------------------------------------------------------------ */

static void test_groups_rows(void **state)
{
    (void)state;
    const char *p = write_tmp(
        HDR
        "boot-1,Chelsea Boot,Fjellstad,Shoes > Boots,Leather.,CB-40-BRN,size,40,colour,brown,149.90,eur,"
        "179.90,4006381333931,1200,https://example.com/1.jpg|https://example.com/2.jpg,default,4\n"
        /* same SKU again: a second location only */
        "boot-1,,,,,CB-40-BRN,,,,,,,,,,,warehouse-2,1\n"
        "boot-1,Chelsea Boot,,,,CB-41-BRN,size,41,colour,brown,149.90,EUR,,,1210,,,0\n"
        "tee-1,Basic Tee,,,,TEE-S,size,S,,,19,EUR,,,,https://example.com/t.jpg https://example.com/u.jpg,,\n");
    struct result res;
    parse(p, "EUR", &res);
    assert_int_equal(res.n, 2);
    assert_good(&res, 0, "boot-1");
    json_t *ev = res.ev[0];
    assert_int_equal(res.line[0], 2);
    assert_string_equal(s_at(ev, "product.title"), "Chelsea Boot");
    assert_string_equal(s_at(ev, "product.brand"), "Fjellstad");
    assert_string_equal(s_at(ev, "product.options.0"), "size");
    assert_string_equal(s_at(ev, "product.options.1"), "colour");
    assert_string_equal(s_at(ev, "product.images.1"), "https://example.com/2.jpg");
    assert_int_equal(json_array_size(at(ev, "variants")), 2);
    assert_string_equal(s_at(ev, "variants.0.sku"), "CB-40-BRN");
    assert_string_equal(s_at(ev, "variants.0.options.size"), "40");
    assert_int_equal(i_at(ev, "variants.0.price.amount"), 14990);
    assert_string_equal(s_at(ev, "variants.0.price.currency"), "EUR");
    assert_int_equal(i_at(ev, "variants.0.compare_at.amount"), 17990);
    assert_int_equal(i_at(ev, "variants.0.weight_g"), 1200);
    assert_string_equal(s_at(ev, "variants.1.options.size"), "41");
    assert_int_equal(json_array_size(at(ev, "stock")), 3);
    assert_string_equal(s_at(ev, "stock.1.location"), "warehouse-2");
    assert_int_equal(i_at(ev, "stock.1.on_hand"), 1);
    assert_string_equal(s_at(ev, "stock.2.sku"), "CB-41-BRN");
    assert_string_equal(s_at(ev, "stock.2.location"), "default");
    assert_int_equal(i_at(ev, "stock.2.on_hand"), 0);
    assert_good(&res, 1, "tee-1");
    assert_int_equal(res.line[1], 5);
    assert_int_equal(i_at(res.ev[1], "variants.0.price.amount"), 1900);
    assert_int_equal(json_array_size(at(res.ev[1], "product.images")), 2);
    assert_int_equal(json_array_size(at(res.ev[1], "stock")), 0);
    result_free(&res);
}

static void test_quoting(void **state)
{
    (void)state;
    /* BOM, CRLF, quoted commas, doubled quotes, a newline inside a quoted field,
     * columns in another order and upper case */
    const char *p = write_tmp(
        "\xEF\xBB\xBF" "SKU,Product_ID,Title,Description,Price,On_Hand\r\n"
        "A-1,p1,\"Boot, \"\"Classic\"\"\",\"Line one\r\nLine two, with comma\",\"10.50\",3\r\n"
        "B-1,p2,\"  Spaced  \",,\"\",\r\n"
        "C-1,p3,Plain,,7,\r\n");
    struct result res;
    parse(p, "EUR", &res);
    assert_int_equal(res.n, 3);
    assert_good(&res, 0, "p1");
    assert_string_equal(s_at(res.ev[0], "product.title"), "Boot, \"Classic\"");
    assert_string_equal(s_at(res.ev[0], "product.description"), "Line one\r\nLine two, with comma");
    assert_int_equal(i_at(res.ev[0], "variants.0.price.amount"), 1050);
    assert_int_equal(i_at(res.ev[0], "stock.0.on_hand"), 3);
    /* line numbers keep counting through the embedded newline */
    assert_error(&res, 1, 4, "missing price");
    assert_good(&res, 2, "p3");
    assert_int_equal(res.line[2], 5);
    assert_string_equal(s_at(res.ev[2], "product.title"), "Plain");
    result_free(&res);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    const char *p = write_tmp(
        "product_id,title,sku,price\n"
        "p1,One,S1,1\n"                  /* 2 */
        "p2,Two\"bad,S2,1\n"             /* 3: quote inside unquoted field */
        "p3,\"Three\"x,S3,1\n"           /* 4: text after closing quote */
        "p4,Four,S4\n"                   /* 5: too few fields */
        "p5,Five,S5,1,extra\n"           /* 6: too many */
        ",NoId,S6,1\n"                   /* 7 */
        "p8,Eight,S8,1\n"                /* 8 */
        "p9,\"Nine\n"                    /* 9: never closed, runs to EOF */
        "p10,Ten,S10,1\n");
    struct result res;
    parse(p, "EUR", &res);
    assert_int_equal(res.n, 8);
    assert_good(&res, 0, "p1");
    assert_error(&res, 1, 3, "quote inside an unquoted field");
    assert_error(&res, 2, 4, "after a closing quote");
    assert_error(&res, 3, 5, "3 fields but the header has 4");
    assert_error(&res, 4, 6, "5 fields but the header has 4");
    assert_error(&res, 5, 7, "missing product_id");
    assert_good(&res, 6, "p8");
    assert_error(&res, 7, 9, "never closed");
    result_free(&res);
}

static void test_header_errors(void **state)
{
    (void)state;
    struct result res;
    parse(write_tmp("product_id,title,sku,price,colour\np1,T,S,1,red\n"), "EUR", &res);
    assert_int_equal(res.n, 1); /* the header error, then nothing: rows cannot be read */
    assert_error(&res, 0, 1, "unknown column \"colour\"");
    result_free(&res);
    parse(write_tmp("product_id,title,price\np1,T,1\n"), "EUR", &res);
    assert_int_equal(res.n, 1);
    assert_error(&res, 0, 1, "missing required column \"sku\"");
    result_free(&res);
    parse(write_tmp("product_id,title,sku,price,sku\n"), "EUR", &res);
    assert_error(&res, 0, 1, "appears twice");
    result_free(&res);
    parse(write_tmp(""), "EUR", &res);
    assert_int_equal(res.n, 0);
    result_free(&res);
    parse(write_tmp("product_id,title,sku,price\n"), "EUR", &res);
    assert_int_equal(res.n, 0);
    result_free(&res);
}

static void test_product_rules(void **state)
{
    (void)state;
    const char *p = write_tmp(
        "product_id,title,sku,option1_name,option1_value,price,currency,location,on_hand,weight_g\n"
        "a,A,A-1,size,S,1,EUR,,,\n"        /* 2 */
        "b,B,B-1,size,S,1,EUR,,,\n"        /* 3 */
        "a,A,A-2,size,M,1,EUR,,,\n"        /* 4: a again, not contiguous */
        "c,C,C-1,size,S,1,EUR,,,\n"        /* 5 */
        "c,Other,C-2,size,M,1,EUR,,,\n"    /* 6: title differs */
        "d,D,D-1,size,S,1,EUR,,-2,\n"      /* 7: negative on_hand */
        "e,E,E-1,size,S,1,EUR,,1.5,\n"     /* 8: on_hand not an integer */
        "f,F,F-1,size,S,1,EUR,,,\n"        /* 9 */
        "f,F,F-2,size,M,1,USD,,,\n"        /* 10: currency differs within product */
        "g,G,G-1,,S,1,EUR,,,\n"            /* 11: value without name */
        "h,H,H-1,size,S,1,EUR,default,2,\n"  /* 12 */
        "h,H,H-1,size,S,2,EUR,backroom,1,\n" /* 13: same SKU, different price */
        "i,I,A-1,size,S,1,EUR,,,\n"          /* 14: SKU of line 2 */
        "j,J,J-1,size,S,1,EUR,shop,,\n"      /* 15: location without on_hand */
        "k,K,K-1,size,S,1,EUR,,,heavy\n"     /* 16: weight not a number */
        "l,L,L-1,size,S,1,EUR,x,1,\n"        /* 17 */
        "l,L,L-1,,,,,x,2,\n"                 /* 18: same location twice */
        "m,M,M-1,size,S,2.50,EUR,,5,\n");    /* 19 */
    struct result res;
    parse(p, "EUR", &res);
    size_t i = 0;
    assert_good(&res, i++, "a");
    assert_good(&res, i++, "b");
    assert_error(&res, i++, 4, "must be contiguous: it already started on line 2");
    assert_error(&res, i++, 6, "title \"Other\" differs from \"C\" on line 5");
    assert_error(&res, i++, 7, "negative on_hand -2");
    assert_error(&res, i++, 8, "on_hand \"1.5\" is not an integer");
    assert_error(&res, i++, 10, "currency USD differs from EUR");
    assert_error(&res, i++, 11, "option1_value without option1_name");
    assert_error(&res, i++, 13, "price \"2\" differs");
    assert_error(&res, i++, 14, "duplicate SKU (first on line 2)");
    assert_error(&res, i++, 15, "without on_hand");
    assert_error(&res, i++, 16, "weight_g \"heavy\"");
    assert_error(&res, i++, 18, "given twice");
    assert_good(&res, i++, "m");
    assert_int_equal(i_at(res.ev[i - 1], "variants.0.price.amount"), 250);
    assert_int_equal(res.n, i);
    result_free(&res);
}

/* A record over the cap (here a runaway quoted field) is one error; the next row is read. */
static void test_long_record(void **state)
{
    (void)state;
    size_t big = IMPORT_MAX_LINE + 10;
    const char *head = "product_id,title,sku,price\np1,One,S1,1\np2,\"";
    const char *tail = "\",S2,1\np3,Three,S3,1\n";
    size_t n = strlen(head) + big + strlen(tail);
    char *text = malloc(n + 1);
    strcpy(text, head);
    memset(text + strlen(head), 'y', big);
    strcpy(text + strlen(head) + big, tail);
    struct result res;
    parse(write_tmp(text), "EUR", &res);
    free(text);
    assert_int_equal(res.n, 3);
    assert_good(&res, 0, "p1");
    assert_error(&res, 1, 3, "longer than");
    assert_good(&res, 2, "p3");
    assert_int_equal(res.line[2], 4);
    result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_rows),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_product_rules),
        cmocka_unit_test(test_long_record),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
