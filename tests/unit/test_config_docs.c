/* test_config_docs.c - the printed key docs, docs/configuration.md and the
 * shipped conf.d/hub.conf agree with the key tables; the ISO 4217 table is
 * well formed. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "config/config.h"
#include "config/currency.h"

static char *docs_output(int json)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    assert_non_null(f);
    config_docs_fprint(f, json);
    fclose(f);
    return data;
}

static json_t *docs_json(void)
{
    char *text = docs_output(1);
    json_error_t err;
    json_t *all = json_loads(text, 0, &err);
    if (!all) fail_msg("config_docs_fprint JSON does not parse: %s", err.text);
    free(text);
    return all;
}

/* The part of `doc` from `heading` to the next heading. */
static char *doc_section(const char *doc, const char *heading)
{
    const char *start = strstr(doc, heading);
    if (!start) fail_msg("docs/configuration.md has no '%s'", heading);
    const char *end = strstr(start + strlen(heading), "\n#");
    size_t n = end ? (size_t)(end - start) : strlen(start);
    char *out = xmalloc(n + 1);
    memcpy(out, start, n);
    out[n] = '\0';
    return out;
}

/* The table row "| `key` | ..." of a section, or NULL. */
static char *doc_row(const char *section, const char *key)
{
    char *needle = xasprintf("\n| `%s` |", key);
    const char *row = strstr(section, needle);
    free(needle);
    if (!row) return NULL;
    row++;
    size_t n = strcspn(row, "\n");
    char *out = xmalloc(n + 1);
    memcpy(out, row, n);
    out[n] = '\0';
    return out;
}

static void test_docs_page_lists_every_key(void **state)
{
    (void)state;
    static const struct { const char *name, *heading; } sections[] = {
        {"hub", "### [hub]"}, {"tenant", "### [tenant]"}, {"channel", "### [channel <name>]"},
    };
    char *doc = read_file("docs/configuration.md", NULL);
    assert_non_null(doc);
    json_t *all = docs_json();
    for (size_t s = 0; s < 3; s++) {
        json_t *keys = json_object_get(all, sections[s].name);
        assert_true(json_array_size(keys) > 0);
        char *sec = doc_section(doc, sections[s].heading);
        size_t i;
        json_t *k;
        json_array_foreach(keys, i, k) {
            const char *key = json_string_value(json_object_get(k, "key"));
            const char *def = json_string_value(json_object_get(k, "default"));
            const char *from = json_string_value(json_object_get(k, "default_from"));
            char *row = doc_row(sec, key);
            if (!row) fail_msg("%s: key '%s' is not documented", sections[s].heading, key);
            if (def) {
                char *want = xasprintf("`%s`", def);
                if (!strstr(row, want)) fail_msg("%s: '%s' row lacks default %s", sections[s].heading, key, want);
                free(want);
            } else if (from && !strstr(row, from)) {
                fail_msg("%s: '%s' row lacks default '%s'", sections[s].heading, key, from);
            }
            free(row);
        }
        /* and the page lists no key the table does not have */
        for (const char *p = strstr(sec, "\n| `"); p; p = strstr(p + 1, "\n| `")) {
            char key[64];
            size_t n = strcspn(p + 4, "`");
            assert_true(n < sizeof key);
            memcpy(key, p + 4, n);
            key[n] = '\0';
            int found = 0;
            json_array_foreach(keys, i, k)
                found |= strcmp(json_string_value(json_object_get(k, "key")), key) == 0;
            if (!found) fail_msg("%s documents '%s', which is not a key", sections[s].heading, key);
        }
        free(sec);
    }
    json_decref(all);
    free(doc);
}

static void test_hub_conf_shows_defaults(void **state)
{
    (void)state;
    char *conf = read_file("conf.d/hub.conf", NULL);
    assert_non_null(conf);
    json_t *all = docs_json();
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(all, "hub"), i, k) {
        const char *key = json_string_value(json_object_get(k, "key"));
        const char *def = json_string_value(json_object_get(k, "default"));
        char *line = def ? xasprintf("\n# %s = %s\n", key, def) : xasprintf("\n# %s = ", key);
        if (!strstr(conf, line)) fail_msg("conf.d/hub.conf does not show '%s'", line + 1);
        free(line);
    }
    json_decref(all);
    free(conf);
}

static void test_text_docs(void **state)
{
    (void)state;
    char *text = docs_output(0);
    assert_non_null(strstr(text, "[hub] in hub.conf"));
    assert_non_null(strstr(text, "[tenant] in <tenant>.conf"));
    assert_non_null(strstr(text, "[channel <name>]"));
    assert_non_null(strstr(text, "enum live|dry-run|paused"));
    assert_non_null(strstr(text, "duration 1s..7d"));
    json_t *all = docs_json();
    const char *sec;
    json_t *keys;
    json_object_foreach(all, sec, keys) {
        size_t i;
        json_t *k;
        json_array_foreach(keys, i, k) {
            char *col = xasprintf("\n%s ", json_string_value(json_object_get(k, "key")));
            if (!strstr(text, col)) fail_msg("text docs lack [%s] %s", sec, col + 1);
            free(col);
        }
    }
    /* lua_memory is shown as a size, not a bare string */
    size_t i;
    json_t *k;
    int sized = 0;
    json_array_foreach(json_object_get(all, "hub"), i, k) {
        if (strcmp(json_string_value(json_object_get(k, "key")), "lua_memory") == 0)
            sized = strcmp(json_string_value(json_object_get(k, "type")), "size") == 0;
    }
    assert_true(sized);
    json_decref(all);
    free(text);
}

static void test_currency_table(void **state)
{
    (void)state;
    size_t n = 0;
    const struct currency *all = currency_list(&n);
    assert_true(n > 140);
    for (size_t i = 0; i < n; i++) {
        const struct currency *c = &all[i];
        assert_int_equal(strlen(c->code), 3);
        for (int j = 0; j < 3; j++) assert_true(c->code[j] >= 'A' && c->code[j] <= 'Z');
        assert_true(c->minor_units >= 0 && c->minor_units <= 4);
        assert_true(c->number >= 1 && c->number <= 999);
        assert_non_null(c->name);
        if (i) assert_true(strcmp(all[i - 1].code, c->code) < 0); /* sorted, unique */
        for (size_t j = 0; j < i; j++) assert_int_not_equal(all[j].number, c->number);
        assert_ptr_equal(currency_find(c->code), c);
    }
    const struct currency *eur = currency_find("EUR");
    assert_non_null(eur);
    assert_int_equal(eur->number, 978);
    assert_int_equal(eur->minor_units, 2);
    assert_int_equal(currency_find("JPY")->minor_units, 0);
    assert_int_equal(currency_find("KWD")->minor_units, 3);
    assert_int_equal(currency_find("USD")->number, 840);
    assert_null(currency_find("eur"));
    assert_null(currency_find("EURO"));
    assert_null(currency_find("EU"));
    assert_null(currency_find("XXX")); /* "no currency" */
    assert_null(currency_find("XAU")); /* gold */
    assert_null(currency_find(""));
    assert_null(currency_find(NULL));
}

int main(void)
{
    const char *src = getenv("HUB_SRC_DIR");
    if (src && chdir(src) != 0) {
        perror(src);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docs_page_lists_every_key),
        cmocka_unit_test(test_hub_conf_shows_defaults),
        cmocka_unit_test(test_text_docs),
        cmocka_unit_test(test_currency_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
