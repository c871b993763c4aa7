/*
 * import_build.c - one product (JSON Lines shape) -> validated canonical
 * catalog.upsert event.  Both parsers end here, so JSONL and CSV obey the
 * same rules; the rules are listed in docs/import.md.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/util.h"
#include "import/import_int.h"

#define ID_MAX 255 /* product id, SKU: they become LMDB keys */

struct bld {
    struct import_ctx *c;
    struct import_record *rec;
    unsigned long line;
    const unsigned long *vlines;
    const char *pid; /* once known, for messages */
};

static unsigned long vline(const struct bld *b, size_t i)
{
    return b->vlines ? b->vlines[i] : b->line;
}

static const char *const product_keys[] = {"id",   "title", "brand",  "category", "description",
                                           "options", "images", "tags", "status", "currency",
                                           "variants", NULL};
static const char *const variant_keys[] = {"sku",     "options",  "price",  "currency",
                                           "compare_at", "barcode", "weight_g", "stock", NULL};
static const char *const money_keys[] = {"amount", "currency", NULL};

static int unknown_key(json_t *obj, const char *const *known, const char **which)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        int ok = 0;
        for (size_t i = 0; known[i]; i++)
            if (strcmp(k, known[i]) == 0) ok = 1;
        if (!ok) {
            *which = k;
            return 1;
        }
    }
    return 0;
}

/* Trimmed copy of a string value as a new json string.  Integers are
 * accepted where allow_int (ids, option values) and written in decimal.
 * 1 present, 0 absent/null/blank, -1 wrong type or invalid UTF-8. */
static int text(json_t *v, int allow_int, json_t **out)
{
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    if (allow_int && json_is_integer(v)) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *out = json_string(tmp);
        return 1;
    }
    if (!json_is_string(v)) return -1;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    if (n == 0) return 0;
    *out = json_stringn(s, n);
    return *out ? 1 : -1;
}

static int blank(json_t *v)
{
    json_t *s = NULL;
    int r = text(v, 0, &s);
    json_decref(s);
    return r == 0;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

/* An identifier (product id, SKU): required, short, printable. */
static int ident(struct bld *b, unsigned long line, json_t *v, const char *what, const char *ctx,
                 json_t **out)
{
    int r = text(v, 1, out);
    if (r < 0) return import_fail(b->rec, line, "%s%s must be a string", ctx, what);
    if (r == 0) return import_fail(b->rec, line, "%smissing %s", ctx, what);
    const char *s = json_string_value(*out);
    if (strlen(s) > ID_MAX || has_control(s)) {
        int e = import_fail(b->rec, line, "%s%s \"%.40s%s\" must be at most %d printable bytes", ctx,
                            what, s, strlen(s) > 40 ? "..." : "", ID_MAX);
        json_decref(*out);
        *out = NULL;
        return e;
    }
    return 0;
}

/* Optional text field put into obj under key ("" when absent). */
static int opt_text(struct bld *b, json_t *src, const char *key, json_t *obj)
{
    json_t *s;
    int r = text(json_object_get(src, key), 0, &s);
    if (r < 0) return import_fail(b->rec, b->line, "product \"%s\": %s must be a string", b->pid, key);
    json_object_set_new(obj, key, r ? s : json_string(""));
    return 0;
}

/* An array of non-blank strings (trimmed); absent -> []. */
static int str_array(struct bld *b, json_t *src, const char *key, int urls, json_t **out)
{
    json_t *a = json_object_get(src, key);
    *out = json_array();
    if (!a || json_is_null(a)) return 0;
    if (!json_is_array(a)) {
        json_decref(*out);
        return import_fail(b->rec, b->line, "product \"%s\": %s must be an array of strings",
                           b->pid, key);
    }
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        json_t *s;
        int r = text(v, 0, &s);
        const char *err = r < 0 ? "must be a string" : r == 0 ? "is empty" : NULL;
        if (!err && urls && strncmp(json_string_value(s), "https://", 8) != 0 &&
            strncmp(json_string_value(s), "http://", 7) != 0)
            err = "is not an http(s) URL";
        if (!err && !urls && has_control(json_string_value(s))) err = "has control characters";
        if (err) {
            json_decref(s);
            json_decref(*out);
            return import_fail(b->rec, b->line, "product \"%s\": %s[%zu] %s", b->pid, key, i, err);
        }
        json_array_append_new(*out, s);
    }
    return 0;
}

/* A currency code: trimmed, upper-cased, known to ISO 4217.  1 set, 0 absent, -1 error. */
static int currency(struct bld *b, unsigned long line, json_t *v, const char *ctx, char out[8])
{
    json_t *s;
    int r = text(v, 0, &s);
    if (r < 0) return import_fail(b->rec, line, "%scurrency must be a string like \"EUR\"", ctx);
    if (r == 0) return 0;
    const char *code = json_string_value(s);
    char up[8] = "";
    size_t n = strlen(code);
    for (size_t i = 0; i < n && i < 7; i++) up[i] = (char)toupper((unsigned char)code[i]);
    if (n > 3 || import_currency_minor(up) < 0) {
        import_fail(b->rec, line, "%sunknown currency \"%.20s\" (not an ISO 4217 code)", ctx, code);
        json_decref(s);
        return -1;
    }
    json_decref(s);
    memcpy(out, up, 8);
    return 1;
}

/* A money value: split into its amount and the currency it names (if any). */
static int money_parts(struct bld *b, unsigned long line, json_t *v, const char *what,
                       const char *ctx, json_t **amount, char cur[8])
{
    cur[0] = '\0';
    *amount = v;
    if (!json_is_object(v)) return 0;
    const char *bad;
    if (unknown_key(v, money_keys, &bad))
        return import_fail(b->rec, line, "%s%s: unknown field \"%s\" (amount, currency)", ctx, what,
                           bad);
    *amount = json_object_get(v, "amount");
    if (!*amount) return import_fail(b->rec, line, "%s%s: missing amount", ctx, what);
    return currency(b, line, json_object_get(v, "currency"), ctx, cur) < 0 ? -1 : 0;
}

/* Amount -> minor units of `cur`. */
static int money_amount(struct bld *b, unsigned long line, json_t *v, const char *what,
                        const char *ctx, const char *cur, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        if (*out < 0)
            return import_fail(b->rec, line, "%s%s %" PRId64 " is negative", ctx, what, *out);
        return 0;
    }
    if (json_is_real(v))
        return import_fail(b->rec, line,
                           "%s%s %g is a JSON number with a fraction: give minor units as an "
                           "integer (8999) or a decimal string (\"89.99\")",
                           ctx, what, json_real_value(v));
    if (json_is_string(v)) {
        json_t *s;
        if (text(v, 0, &s) == 0)
            return import_fail(b->rec, line, "%s%s is empty", ctx, what);
        char err[200];
        int rc = import_decimal_to_minor(json_string_value(s), import_currency_minor(cur), out, err,
                                         sizeof err);
        json_decref(s);
        if (rc != 0) return import_fail(b->rec, line, "%s%s %s (%s)", ctx, what, err, cur);
        return 0;
    }
    return import_fail(b->rec, line,
                       "%s%s must be an integer in minor units, a decimal string or "
                       "{\"amount\",\"currency\"}",
                       ctx, what);
}

static json_t *money_json(int64_t amount, const char *cur)
{
    return json_pack("{s:I,s:s}", "amount", (json_int_t)amount, "currency", cur);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *stock_entry(json_t *sku, const char *location, json_int_t on_hand)
{
    json_t *e = json_object();
    json_object_set_nocheck(e, "sku", sku);
    json_object_set_new_nocheck(e, "location", json_string(location));
    json_object_set_new_nocheck(e, "on_hand", json_integer(on_hand));
    return e;
}

/* Variant stock: integer (default location) or {location: on_hand}.
 * Appends {sku,location,on_hand} to `stock`, sorted by location. */
static int stock_of(struct bld *b, unsigned long line, json_t *v, json_t *sku,
                    const char *ctx, json_t *stock)
{
    if (!v || json_is_null(v)) return 0;
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0)
            return import_fail(b->rec, line, "%snegative stock %" JSON_INTEGER_FORMAT, ctx,
                               json_integer_value(v));
        json_array_append_new(stock, stock_entry(sku, "default", json_integer_value(v)));
        return 0;
    }
    if (!json_is_object(v))
        return import_fail(b->rec, line,
                           "%sstock must be an integer or {\"location\": on_hand, ...}", ctx);
    size_t n = json_object_size(v), i = 0;
    const char **locs = xcalloc(n ? n : 1, sizeof *locs);
    const char *k;
    json_t *q;
    json_object_foreach(v, k, q) locs[i++] = k;
    qsort(locs, n, sizeof *locs, cmp_str);
    int rc = 0;
    for (i = 0; i < n && rc == 0; i++) {
        q = json_object_get(v, locs[i]);
        if (!valid_name(locs[i]))
            rc = import_fail(b->rec, line,
                             "%sstock location \"%.60s\" is not a valid name (a-z, 0-9, _ and -, "
                             "starting with a letter or digit)",
                             ctx, locs[i]);
        else if (!json_is_integer(q))
            rc = import_fail(b->rec, line, "%sstock quantity at \"%s\" is not an integer", ctx,
                             locs[i]);
        else if (json_integer_value(q) < 0)
            rc = import_fail(b->rec, line, "%snegative stock %" JSON_INTEGER_FORMAT " at \"%s\"",
                             ctx, json_integer_value(q), locs[i]);
        else
            json_array_append_new(stock, stock_entry(sku, locs[i], json_integer_value(q)));
    }
    free(locs);
    return rc;
}

/* GTIN-8/12/13/14 check digit (digits only); 1 ok, 0 bad, -1 not a GTIN shape. */
static int gtin_check(const char *s, int *expected)
{
    size_t n = strlen(s);
    if (n != 8 && n != 12 && n != 13 && n != 14) return -1;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return -1;
    int sum = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        int d = s[n - 2 - i] - '0';
        sum += (i % 2 == 0) ? 3 * d : d;
    }
    *expected = (10 - sum % 10) % 10;
    return (s[n - 1] - '0') == *expected;
}

/* Variant options: every declared option needs a value; no undeclared ones.
 * Also builds the "combination" key used to spot two identical variants. */
static int options_of(struct bld *b, unsigned long line, json_t *v, json_t *names,
                      const char *ctx, json_t **out, struct buf *combo)
{
    *out = json_object();
    buf_reset(combo);
    if (v && !json_is_null(v) && !json_is_object(v))
        return import_fail(b->rec, line, "%soptions must be an object {\"name\": \"value\"}", ctx);
    const char *k;
    json_t *val;
    json_object_foreach(v, k, val) {
        int declared = 0;
        size_t i;
        json_t *nm;
        json_array_foreach(names, i, nm) if (strcmp(json_string_value(nm), k) == 0) declared = 1;
        if (!declared)
            return import_fail(b->rec, line,
                               "%soption \"%.60s\" is not one of the product's options", ctx, k);
    }
    size_t i;
    json_t *nm;
    json_array_foreach(names, i, nm) {
        const char *name = json_string_value(nm);
        json_t *s;
        int r = text(json_object_get(v, name), 1, &s);
        if (r < 0)
            return import_fail(b->rec, line, "%soption \"%s\" must be a string", ctx, name);
        if (r == 0) return import_fail(b->rec, line, "%sno value for option \"%s\"", ctx, name);
        if (has_control(json_string_value(s))) {
            json_decref(s);
            return import_fail(b->rec, line, "%soption \"%s\" has control characters", ctx, name);
        }
        buf_printf(combo, "%s%s=%s", i ? ", " : "", name, json_string_value(s));
        json_object_set_new(*out, name, s);
    }
    if (!combo->data) buf_puts(combo, "");
    return 0;
}

/* Product options: unique non-blank names. */
static int option_names(struct bld *b, json_t *v, json_t **out)
{
    *out = json_array();
    if (!v || json_is_null(v)) return 0;
    if (!json_is_array(v))
        return import_fail(b->rec, b->line, "product \"%s\": options must be an array of names",
                           b->pid);
    size_t i, j;
    json_t *x, *y;
    json_array_foreach(v, i, x) {
        json_t *s;
        int r = text(x, 0, &s);
        if (r <= 0 || has_control(json_string_value(s))) {
            json_decref(s);
            return import_fail(b->rec, b->line, "product \"%s\": options[%zu] must be a name",
                               b->pid, i);
        }
        json_array_foreach(*out, j, y) {
            if (strcmp(json_string_value(y), json_string_value(s)) == 0) {
                import_fail(b->rec, b->line, "product \"%s\": option \"%s\" declared twice", b->pid,
                            json_string_value(s));
                json_decref(s);
                return -1;
            }
        }
        json_array_append_new(*out, s);
    }
    return 0;
}

static const char *const statuses[] = {"active", "draft", "archived", NULL};

static int build_product(struct bld *b, json_t *raw, json_t *pid, json_t **product)
{
    json_t *p = json_object();
    *product = p;
    json_object_set(p, "id", pid);
    json_t *title;
    int r = text(json_object_get(raw, "title"), 0, &title);
    if (r < 0) return import_fail(b->rec, b->line, "product \"%s\": title must be a string", b->pid);
    if (r == 0) return import_fail(b->rec, b->line, "product \"%s\": missing title", b->pid);
    json_object_set_new(p, "title", title);
    if (opt_text(b, raw, "brand", p) || opt_text(b, raw, "category", p) ||
        opt_text(b, raw, "description", p))
        return -1;
    json_t *a;
    if (option_names(b, json_object_get(raw, "options"), &a) != 0) return json_decref(a), -1;
    json_object_set_new(p, "options", a);
    if (str_array(b, raw, "images", 1, &a) != 0) return -1;
    json_object_set_new(p, "images", a);
    if (str_array(b, raw, "tags", 0, &a) != 0) return -1;
    json_object_set_new(p, "tags", a);
    json_t *st;
    r = text(json_object_get(raw, "status"), 0, &st);
    if (r < 0) return import_fail(b->rec, b->line, "product \"%s\": status must be a string", b->pid);
    const char *status = "active";
    if (r > 0) {
        status = NULL;
        for (size_t i = 0; statuses[i]; i++)
            if (strcasecmp(json_string_value(st), statuses[i]) == 0) status = statuses[i];
        if (!status) {
            import_fail(b->rec, b->line,
                        "product \"%s\": status \"%.40s\" is not active, draft or archived", b->pid,
                        json_string_value(st));
            json_decref(st);
            return -1;
        }
        json_decref(st);
    }
    json_object_set_new(p, "status", json_string(status));
    return 0;
}

/* One variant.  cur: in = currency of the product so far ("" none yet), out = this one. */
static int build_variant(struct bld *b, size_t i, json_t *raw, json_t *names, const char *pcur,
                         char cur[8], json_t *seen_skus, json_t *combos, json_t *variants,
                         json_t *stock)
{
    unsigned long line = vline(b, i);
    char ctx[320];
    if (!json_is_object(raw))
        return import_fail(b->rec, line, "product \"%s\": variants[%zu] must be an object", b->pid, i);
    json_t *sku = NULL;
    snprintf(ctx, sizeof ctx, "product \"%s\" variants[%zu]: ", b->pid, i);
    if (ident(b, line, json_object_get(raw, "sku"), "sku", ctx, &sku) != 0) return -1;
    const char *s = json_string_value(sku);
    json_t *v = json_object();
    json_object_set_new(v, "sku", sku);
    json_object_set_new(v, "product_id", json_string(b->pid));
    json_array_append_new(variants, v);
    snprintf(ctx, sizeof ctx, "variant \"%s\": ", s);

    const char *bad;
    if (unknown_key(raw, variant_keys, &bad))
        return import_fail(b->rec, line, "%sunknown field \"%.60s\"", ctx, bad);
    const unsigned long *first = import_map_get(b->c->skus, s);
    if (first && *first != line)
        return import_fail(b->rec, line, "%sduplicate SKU (first on line %lu)", ctx, *first);
    if (json_object_get(seen_skus, s))
        return import_fail(b->rec, line, "%sduplicate SKU within the product", ctx);
    json_object_set_new(seen_skus, s, json_true());

    json_t *opts;
    struct buf combo = BUF_INIT;
    if (options_of(b, line, json_object_get(raw, "options"), names, ctx, &opts, &combo) != 0) {
        json_decref(opts);
        buf_free(&combo);
        return -1;
    }
    json_object_set_new(v, "options", opts);
    json_t *twin = json_object_get(combos, combo.data);
    if (twin) {
        import_fail(b->rec, line, "%ssame options as variant \"%s\" (%s)", ctx,
                    json_string_value(twin), combo.data[0] ? combo.data : "no options declared");
        buf_free(&combo);
        return -1;
    }
    json_object_set_new(combos, combo.data, json_string(s));
    buf_free(&combo);

    /* currency: the variant's, the price's, the product's, the file default */
    char vcur[8] = "", price_cur[8] = "", cmp_cur[8] = "";
    if (currency(b, line, json_object_get(raw, "currency"), ctx, vcur) < 0) return -1;
    json_t *price = json_object_get(raw, "price"), *amount;
    if (!price || json_is_null(price)) return import_fail(b->rec, line, "%smissing price", ctx);
    if (money_parts(b, line, price, "price", ctx, &amount, price_cur) != 0) return -1;
    if (vcur[0] && price_cur[0] && strcmp(vcur, price_cur) != 0)
        return import_fail(b->rec, line, "%sprice currency %s differs from currency %s", ctx,
                           price_cur, vcur);
    const char *c = vcur[0] ? vcur : price_cur[0] ? price_cur : pcur[0] ? pcur : b->c->currency;
    if (!c[0]) return import_fail(b->rec, line, "%sno currency given and no default", ctx);
    memcpy(cur, c, 8);
    int64_t minor;
    if (money_amount(b, line, amount, "price", ctx, cur, &minor) != 0) return -1;
    json_object_set_new(v, "price", money_json(minor, cur));

    json_t *cmp = json_object_get(raw, "compare_at");
    if (!blank(cmp)) {
        if (money_parts(b, line, cmp, "compare_at", ctx, &amount, cmp_cur) != 0) return -1;
        if (cmp_cur[0] && strcmp(cmp_cur, cur) != 0)
            return import_fail(b->rec, line, "%scompare_at currency %s differs from price currency %s",
                               ctx, cmp_cur, cur);
        int64_t cmin;
        if (money_amount(b, line, amount, "compare_at", ctx, cur, &cmin) != 0) return -1;
        if (cmin > 0 && cmin <= minor) /* 0 means "no compare_at", as many exports write it */
            return import_fail(b->rec, line,
                               "%scompare_at %" PRId64 " must be above the price %" PRId64
                               " (minor units)",
                               ctx, cmin, minor);
        if (cmin > 0) json_object_set_new(v, "compare_at", money_json(cmin, cur));
    }

    json_t *bc;
    int r = text(json_object_get(raw, "barcode"), 0, &bc);
    if (r < 0) return import_fail(b->rec, line, "%sbarcode must be a string (keeps leading zeros)", ctx);
    if (r > 0) {
        int exp = 0, ok = gtin_check(json_string_value(bc), &exp);
        if (ok == 0 || has_control(json_string_value(bc))) {
            if (ok == 0)
                import_fail(b->rec, line, "%sbarcode %s has a wrong check digit (expected %d)", ctx,
                            json_string_value(bc), exp);
            else
                import_fail(b->rec, line, "%sbarcode has control characters", ctx);
            json_decref(bc);
            return -1;
        }
        json_object_set_new(v, "barcode", bc);
    }

    json_t *w = json_object_get(raw, "weight_g");
    if (w && !json_is_null(w)) {
        if (!json_is_integer(w) || json_integer_value(w) < 0)
            return import_fail(b->rec, line, "%sweight_g must be a whole number of grams >= 0", ctx);
        json_object_set_new(v, "weight_g", json_integer(json_integer_value(w)));
    }
    return stock_of(b, line, json_object_get(raw, "stock"), sku, ctx, stock);
}

/* Remember every SKU the product names, good or not (first occurrence wins). */
static void remember_skus(struct bld *b, json_t *variants)
{
    size_t i;
    json_t *v;
    json_array_foreach(variants, i, v) {
        json_t *sku;
        if (!json_is_object(v) || text(json_object_get(v, "sku"), 1, &sku) <= 0) continue;
        import_map_put(b->c->skus, json_string_value(sku), vline(b, i));
        json_decref(sku);
    }
}

static int build(struct bld *b, json_t *raw, json_t *ev)
{
    if (!json_is_object(raw))
        return import_fail(b->rec, b->line, "a product must be a JSON object");
    json_t *pid;
    if (ident(b, b->line, json_object_get(raw, "id"), "id", "product: ", &pid) != 0) return -1;
    b->pid = json_string_value(pid);
    str_copy(b->rec->product_id, b->pid, sizeof b->rec->product_id);
    json_object_set_new(ev, "_pid", pid); /* keeps it alive; removed on success */

    const unsigned long *first = import_map_get(b->c->products, b->pid);
    if (first)
        return import_fail(b->rec, b->line,
                           "product \"%s\": duplicate product id (first on line %lu)", b->pid,
                           *first);
    import_map_put(b->c->products, b->pid, b->line);

    json_t *variants_in = json_object_get(raw, "variants");
    if (json_is_array(variants_in)) remember_skus(b, variants_in);
    const char *bad;
    if (unknown_key(raw, product_keys, &bad))
        return import_fail(b->rec, b->line, "product \"%s\": unknown field \"%.60s\"", b->pid, bad);

    json_t *product;
    int rc = build_product(b, raw, pid, &product);
    json_object_set_new(ev, "product", product);
    if (rc != 0) return -1;

    char pcur[8] = "";
    if (currency(b, b->line, json_object_get(raw, "currency"), "", pcur) < 0) return -1;
    if (!json_is_array(variants_in) || json_array_size(variants_in) == 0)
        return import_fail(b->rec, b->line, "product \"%s\": needs a non-empty \"variants\" array",
                           b->pid);
    json_t *variants = json_array(), *stock = json_array();
    json_object_set_new(ev, "variants", variants);
    json_object_set_new(ev, "stock", stock);
    json_t *seen = json_object(), *combos = json_object();
    char prev[8] = "";
    size_t i;
    json_t *v;
    rc = 0;
    json_array_foreach(variants_in, i, v) {
        char cur[8] = "";
        rc = build_variant(b, i, v, json_object_get(product, "options"), pcur, cur, seen, combos,
                           variants, stock);
        if (rc != 0) break;
        if (prev[0] && strcmp(prev, cur) != 0) {
            rc = import_fail(b->rec, vline(b, i),
                             "variant \"%s\": currency %s differs from %s of the product's other "
                             "variants",
                             json_string_value(json_object_get(json_array_get(variants, i), "sku")),
                             cur, prev);
            break;
        }
        memcpy(prev, cur, 8);
    }
    json_decref(seen);
    json_decref(combos);
    return rc;
}

int import_build(struct import_ctx *c, json_t *raw, unsigned long line,
                 const unsigned long *vlines, struct import_record *rec)
{
    struct bld b = {.c = c, .rec = rec, .line = line, .vlines = vlines, .pid = ""};
    json_decref(rec->event);
    rec->event = NULL;
    rec->error = 0;
    rec->line = line;
    if (rec->line_end < line) rec->line_end = line;
    json_t *ev = json_object();
    json_object_set_new(ev, "type", json_string("catalog.upsert"));
    if (build(&b, raw, ev) != 0) {
        json_decref(ev);
        return -1;
    }
    json_object_del(ev, "_pid");
    rec->event = ev;
    rec->n_variants = json_array_size(json_object_get(ev, "variants"));
    rec->n_stock = json_array_size(json_object_get(ev, "stock"));
    return 0;
}

int import_product(json_t *raw, const char *default_currency, struct import_record *rec)
{
    struct import_ctx c = {.skus = import_map_new(), .products = import_map_new()};
    if (default_currency) str_copy(c.currency, default_currency, sizeof c.currency);
    import_record_clear(rec);
    int rc = import_build(&c, raw, 1, NULL, rec);
    import_map_free(c.skus);
    import_map_free(c.products);
    return rc;
}
