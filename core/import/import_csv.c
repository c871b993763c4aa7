/*
 * import_csv.c - CSV (RFC 4180) catalog files: one row per variant (or per
 * variant and location), rows of one product contiguous.  Rows are read
 * with a small state machine (quotes, doubled quotes, embedded commas and
 * newlines, CRLF, a UTF-8 BOM), grouped by product_id, turned into the JSON
 * Lines shape and handed to import_build() so both formats obey one set of
 * rules.  docs/import.md lists the columns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include "common/buf.h"
#include "common/util.h"
#include "import/import_int.h"

enum col {
    C_PRODUCT_ID, C_TITLE, C_BRAND, C_CATEGORY, C_DESCRIPTION, C_SKU,
    C_OPT1_NAME, C_OPT1_VALUE, C_OPT2_NAME, C_OPT2_VALUE, C_OPT3_NAME, C_OPT3_VALUE,
    C_PRICE, C_CURRENCY, C_COMPARE_AT, C_BARCODE, C_WEIGHT_G, C_IMAGE_URLS,
    C_LOCATION, C_ON_HAND, C_TAGS, C_STATUS, C__COUNT
};

static const char *const col_names[C__COUNT] = {
    "product_id", "title", "brand", "category", "description", "sku",
    "option1_name", "option1_value", "option2_name", "option2_value", "option3_name",
    "option3_value", "price", "currency", "compare_at", "barcode", "weight_g", "image_urls",
    "location", "on_hand", "tags", "status",
};
static const enum col required[] = {C_PRODUCT_ID, C_TITLE, C_SKU, C_PRICE};

struct csv_row {
    unsigned long line, line_end;
    struct buf data; /* fields, each NUL-terminated */
    size_t *off;
    size_t n, cap;
    char err[256];   /* syntax error, "" if none */
};

struct import_csv {
    int header_done, dead;
    int idx[C__COUNT]; /* field index of each column, -1 if absent */
    size_t ncols;
    struct csv_row *rows; /* the product being assembled */
    size_t nrows, caprows;
    struct csv_row next; /* a row read ahead (first of the next product) */
    int have_next;
};

struct import_csv *import_csv_new(void)
{
    struct import_csv *c = xcalloc(1, sizeof *c);
    for (int i = 0; i < C__COUNT; i++) c->idx[i] = -1;
    return c;
}

static void row_free(struct csv_row *r)
{
    buf_free(&r->data);
    free(r->off);
}

void import_csv_free(struct import_csv *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->caprows; i++) row_free(&c->rows[i]);
    free(c->rows);
    row_free(&c->next);
    free(c);
}

/* ------------------------------------------------------------ rows */

static void row_reset(struct csv_row *r)
{
    buf_reset(&r->data);
    r->n = 0;
    r->err[0] = '\0';
}

static void row_end_field(struct csv_row *r, size_t start)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->off = realloc(r->off, r->cap * sizeof *r->off);
        if (!r->off) abort();
    }
    /* trim: leading and trailing ASCII white space */
    char *s = r->data.data ? r->data.data + start : NULL;
    size_t len = r->data.len - start;
    size_t a = 0;
    while (a < len && isspace((unsigned char)s[a])) a++;
    while (len > a && isspace((unsigned char)s[len - 1])) len--;
    r->data.len = start + len;
    buf_putc(&r->data, '\0');
    r->off[r->n++] = start + a;
}

static const char *fld(const struct import_csv *c, const struct csv_row *r, enum col col)
{
    int i = c->idx[col];
    if (i < 0 || (size_t)i >= r->n) return "";
    return r->data.data + r->off[i];
}

static int row_blank(const struct csv_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->data.data[r->off[i]]) return 0;
    return 1;
}

/* Skip to the end of the current physical line. */
static void skip_line(struct import_src *s)
{
    int ch;
    while ((ch = import_src_getc(s)) >= 0 && ch != '\n') {}
}

/* One record.  1 read (r->err set on a syntax error), 0 end, -1 read error. */
static int read_row(struct import_src *s, struct csv_row *r)
{
    row_reset(r);
    if (import_src_peek(s) < 0) return s->err ? -1 : 0;
    r->line = s->line + 1;
    size_t start = 0;
    int quoted = 0, after_quote = 0;
    for (;;) {
        int ch = import_src_getc(s);
        if (r->data.len > IMPORT_MAX_LINE) {
            snprintf(r->err, sizeof r->err, "record longer than %u bytes", IMPORT_MAX_LINE);
            if (ch >= 0 && ch != '\n') skip_line(s);
            break;
        }
        if (ch < 0) {
            if (s->err) return -1;
            if (quoted) {
                snprintf(r->err, sizeof r->err, "quoted field never closed (opened on line %lu)",
                         r->line);
            }
            row_end_field(r, start);
            break;
        }
        if (quoted) {
            if (ch == '"') {
                if (import_src_peek(s) == '"') {
                    import_src_getc(s);
                    buf_putc(&r->data, '"');
                } else {
                    quoted = 0;
                    after_quote = 1;
                }
            } else {
                buf_putc(&r->data, (char)ch);
            }
            continue;
        }
        if (ch == ',') {
            row_end_field(r, start);
            start = r->data.len;
            after_quote = 0;
            continue;
        }
        if (ch == '\n' || (ch == '\r' && import_src_peek(s) == '\n')) {
            if (ch == '\r') import_src_getc(s);
            row_end_field(r, start);
            break;
        }
        if (after_quote) {
            snprintf(r->err, sizeof r->err,
                     "unexpected character after a closing quote in field %zu on line %lu",
                     r->n + 1, s->line + 1);
            row_end_field(r, start);
            if (ch != '\n') skip_line(s);
            break;
        }
        if (ch == '"') {
            if (r->data.len == start) {
                quoted = 1;
                continue;
            }
            snprintf(r->err, sizeof r->err,
                     "quote inside an unquoted field %zu on line %lu (quote the field and double "
                     "the quote)",
                     r->n + 1, s->line + 1);
            row_end_field(r, start);
            skip_line(s);
            break;
        }
        buf_putc(&r->data, (char)ch);
    }
    r->line_end = s->line + (s->last == '\n' ? 0 : 1);
    if (r->line_end < r->line) r->line_end = r->line;
    return 1;
}

/* Next non-blank record: 1, 0 end, -1 read error. */
static int read_nonblank(struct import_src *s, struct csv_row *r)
{
    for (;;) {
        int rc = read_row(s, r);
        if (rc <= 0) return rc;
        if (r->err[0] || !row_blank(r)) return 1;
    }
}

/* ------------------------------------------------------------ header */

static int header(struct import_csv *c, struct import_src *s, struct import_record *rec)
{
    c->header_done = 1;
    if (import_src_fill(s) > 0 && s->len - s->pos >= 3 &&
        memcmp(s->buf + s->pos, "\xEF\xBB\xBF", 3) == 0) {
        s->pos += 3;
        s->consumed += 3;
    }
    struct csv_row *h = &c->next;
    int rc = read_nonblank(s, h);
    if (rc < 0) return -1;
    if (rc == 0) return 0;
    c->dead = 1; /* until the header is known good */
    if (h->err[0]) return import_fail(rec, h->line, "header: %s", h->err), 1;
    for (size_t i = 0; i < h->n; i++) {
        char *name = h->data.data + h->off[i];
        for (char *p = name; *p; p++) *p = (char)tolower((unsigned char)*p);
        if (!*name) return import_fail(rec, h->line, "header: column %zu has no name", i + 1), 1;
        int k = -1;
        for (int j = 0; j < C__COUNT; j++)
            if (strcmp(name, col_names[j]) == 0) k = j;
        if (k < 0) {
            import_fail(rec, h->line, "header: unknown column \"%.60s\" (known: ", name);
            size_t used = strlen(rec->reason);
            for (int j = 0; j < C__COUNT && used < sizeof rec->reason; j++)
                used += (size_t)snprintf(rec->reason + used, sizeof rec->reason - used, "%s%s",
                                         col_names[j], j + 1 < C__COUNT ? ", " : ")");
            return 1;
        }
        if (c->idx[k] >= 0)
            return import_fail(rec, h->line, "header: column \"%s\" appears twice", name), 1;
        c->idx[k] = (int)i;
    }
    for (size_t i = 0; i < ARRAY_LEN(required); i++)
        if (c->idx[required[i]] < 0)
            return import_fail(rec, h->line, "header: missing required column \"%s\"",
                               col_names[required[i]]),
                   1;
    c->ncols = h->n;
    c->dead = 0;
    row_reset(h);
    return 2; /* header fine, go on */
}

/* ------------------------------------------------------------ rows -> product */

/* The row's own problem (syntax or shape), "" if none. */
static const char *row_problem(struct import_csv *c, struct csv_row *r)
{
    if (r->err[0]) return r->err;
    if (r->n != c->ncols) {
        snprintf(r->err, sizeof r->err, "%zu fields but the header has %zu", r->n, c->ncols);
        return r->err;
    }
    return "";
}

/* A product-level column: the first row giving a value sets it; other rows
 * leave it empty or repeat it exactly. */
static int same_or_empty(struct import_csv *c, size_t *first, enum col col, size_t i,
                         struct import_record *rec, const char *pid)
{
    const char *v = fld(c, &c->rows[i], col);
    if (!*v) return 0;
    if (*first == (size_t)-1) {
        *first = i;
        return 0;
    }
    const char *w = fld(c, &c->rows[*first], col);
    if (strcmp(v, w) == 0) return 0;
    return import_fail(rec, c->rows[i].line,
                       "product \"%s\": %s \"%.60s\" differs from \"%.60s\" on line %lu", pid,
                       col_names[col], v, w, c->rows[*first].line);
}

static json_t *split_list(const char *s, int space_too)
{
    json_t *a = json_array();
    const char *p = s;
    while (*p) {
        size_t n = space_too ? strcspn(p, " \t|") : strcspn(p, "|");
        if (n) {
            /* trimmed by the builder; blank pieces skipped here */
            const char *q = p;
            size_t m = n;
            while (m && isspace((unsigned char)*q)) q++, m--;
            json_t *item = m ? json_stringn(p, n) : NULL;
            if (m && !item) {
                json_decref(a);
                return NULL;
            }
            if (item) json_array_append_new(a, item);
        }
        p += n;
        if (*p) p++;
    }
    return a;
}

static int set_str(json_t *o, const char *key, const char *v, struct import_record *rec,
                   unsigned long line)
{
    if (!*v) return 0;
    json_t *s = json_string(v);
    if (!s) return import_fail(rec, line, "column %s is not valid UTF-8", key);
    json_object_set_new(o, key, s);
    return 0;
}

static int build_group(struct import_csv *c, struct import_ctx *ctx, struct import_record *rec)
{
    const char *pid = fld(c, &c->rows[0], C_PRODUCT_ID);
    json_t *raw = json_object(), *variants = json_array();
    unsigned long *vlines = xcalloc(c->nrows, sizeof *vlines);
    json_object_set_new(raw, "variants", variants);
    static const enum col pcols[] = {C_TITLE, C_BRAND, C_CATEGORY, C_DESCRIPTION, C_IMAGE_URLS,
                                     C_TAGS, C_STATUS, C_OPT1_NAME, C_OPT2_NAME, C_OPT3_NAME};
    size_t first[ARRAY_LEN(pcols)];
    for (size_t k = 0; k < ARRAY_LEN(pcols); k++) first[k] = (size_t)-1;
    int rc = 0;
    for (size_t i = 0; i < c->nrows && rc == 0; i++)
        for (size_t k = 0; k < ARRAY_LEN(pcols) && rc == 0; k++)
            rc = same_or_empty(c, &first[k], pcols[k], i, rec, pid);
    if (rc) goto out;
    json_object_set_new(raw, "id", json_string(pid));
    for (size_t k = 0; k < 4 && rc == 0; k++)
        if (first[k] != (size_t)-1)
            rc = set_str(raw, col_names[pcols[k]], fld(c, &c->rows[first[k]], pcols[k]), rec,
                         c->rows[first[k]].line);
    if (rc) goto out;
    for (size_t k = 4; k < 6 && rc == 0; k++) {
        if (first[k] == (size_t)-1) continue;
        json_t *list = split_list(fld(c, &c->rows[first[k]], pcols[k]), k == 4);
        if (!list)
            rc = import_fail(rec, c->rows[first[k]].line, "column %s is not valid UTF-8",
                             col_names[pcols[k]]);
        else
            json_object_set_new(raw, k == 4 ? "images" : "tags", list);
    }
    if (rc == 0 && first[6] != (size_t)-1)
        rc = set_str(raw, "status", fld(c, &c->rows[first[6]], C_STATUS), rec,
                     c->rows[first[6]].line);
    if (rc) goto out;
    const char *opt_name[3];
    json_t *names = json_array();
    json_object_set_new(raw, "options", names);
    for (int k = 0; k < 3 && rc == 0; k++) {
        size_t f = first[7 + k];
        opt_name[k] = f != (size_t)-1 ? fld(c, &c->rows[f], C_OPT1_NAME + 2 * k) : "";
        if (!*opt_name[k]) continue;
        json_t *nm = json_string(opt_name[k]);
        if (!nm)
            rc = import_fail(rec, c->rows[f].line, "column option%d_name is not valid UTF-8", k + 1);
        else
            json_array_append_new(names, nm);
    }
    if (rc) goto out;

    static const enum col vcols[] = {C_OPT1_VALUE, C_OPT2_VALUE, C_OPT3_VALUE, C_PRICE,
                                     C_CURRENCY,   C_COMPARE_AT, C_BARCODE,    C_WEIGHT_G};
    json_t *v = NULL, *stock = NULL;
    size_t vrow = 0, nv = 0;
    for (size_t i = 0; i < c->nrows && rc == 0; i++) {
        struct csv_row *r = &c->rows[i];
        const char *sku = fld(c, r, C_SKU);
        int cont = v && *sku && strcmp(sku, fld(c, &c->rows[vrow], C_SKU)) == 0;
        if (cont) {
            for (size_t k = 0; k < ARRAY_LEN(vcols) && rc == 0; k++) {
                const char *a = fld(c, r, vcols[k]), *b = fld(c, &c->rows[vrow], vcols[k]);
                if (*a && strcmp(a, b) != 0)
                    rc = import_fail(rec, r->line,
                                     "SKU \"%s\": %s \"%.40s\" differs from \"%.40s\" on line %lu "
                                     "(a repeated SKU row may only add a location)",
                                     sku, col_names[vcols[k]], a, b, c->rows[vrow].line);
            }
        } else {
            v = json_object();
            stock = NULL;
            json_array_append_new(variants, v);
            vrow = i;
            vlines[nv++] = r->line;
            rc = set_str(v, "sku", sku, rec, r->line);
            json_t *opts = json_object();
            json_object_set_new(v, "options", opts);
            for (int k = 0; k < 3 && rc == 0; k++) {
                const char *val = fld(c, r, C_OPT1_VALUE + 2 * k);
                if (!*val) continue;
                if (!*opt_name[k])
                    rc = import_fail(rec, r->line, "SKU \"%s\": option%d_value without option%d_name",
                                     sku, k + 1, k + 1);
                else
                    rc = set_str(opts, opt_name[k], val, rec, r->line);
            }
            if (rc == 0) rc = set_str(v, "price", fld(c, r, C_PRICE), rec, r->line);
            if (rc == 0) rc = set_str(v, "currency", fld(c, r, C_CURRENCY), rec, r->line);
            if (rc == 0) rc = set_str(v, "compare_at", fld(c, r, C_COMPARE_AT), rec, r->line);
            if (rc == 0) rc = set_str(v, "barcode", fld(c, r, C_BARCODE), rec, r->line);
            const char *w = fld(c, r, C_WEIGHT_G);
            int64_t grams;
            if (rc == 0 && *w) {
                if (parse_i64(w, &grams) != 0)
                    rc = import_fail(rec, r->line,
                                     "SKU \"%s\": weight_g \"%.40s\" is not a whole number of grams",
                                     sku, w);
                else
                    json_object_set_new(v, "weight_g", json_integer(grams));
            }
        }
        const char *loc = fld(c, r, C_LOCATION), *oh = fld(c, r, C_ON_HAND);
        int64_t q;
        if (rc || (!*loc && !*oh)) continue;
        if (!*loc) loc = "default";
        if (!*oh)
            rc = import_fail(rec, r->line, "SKU \"%s\": location \"%.40s\" without on_hand", sku, loc);
        else if (parse_i64(oh, &q) != 0)
            rc = import_fail(rec, r->line, "SKU \"%s\": on_hand \"%.40s\" is not an integer", sku, oh);
        else if (q < 0)
            rc = import_fail(rec, r->line, "SKU \"%s\": negative on_hand %s", sku, oh);
        else {
            if (!stock) json_object_set_new(v, "stock", stock = json_object());
            if (json_object_get(stock, loc))
                rc = import_fail(rec, r->line, "SKU \"%s\": location \"%.40s\" given twice", sku, loc);
            else if (json_object_set_new(stock, loc, json_integer(q)) != 0)
                rc = import_fail(rec, r->line, "SKU \"%s\": location is not valid UTF-8", sku);
        }
    }
    if (rc == 0) rc = import_build(ctx, raw, c->rows[0].line, vlines, rec);
out:
    rec->line_end = c->rows[c->nrows - 1].line_end;
    free(vlines);
    json_decref(raw);
    return rc;
}

/* ------------------------------------------------------------ grouping */

static struct csv_row *slot(struct import_csv *c)
{
    if (c->nrows == c->caprows) {
        size_t n = c->caprows ? c->caprows * 2 : 16;
        c->rows = realloc(c->rows, n * sizeof *c->rows);
        if (!c->rows) abort();
        memset(c->rows + c->caprows, 0, (n - c->caprows) * sizeof *c->rows);
        c->caprows = n;
    }
    return &c->rows[c->nrows];
}

static void swap_rows(struct csv_row *a, struct csv_row *b)
{
    struct csv_row t = *a;
    *a = *b;
    *b = t;
}

int import_csv_next(struct import_csv *c, struct import_src *s, struct import_ctx *ctx,
                    struct import_record *rec)
{
    if (c->dead) return 0;
    if (!c->header_done) {
        int h = header(c, s, rec);
        if (h != 2) {
            if (h < 0) snprintf(rec->reason, sizeof rec->reason, "read error: %s", strerror(s->err));
            return h;
        }
    }
    c->nrows = 0;
    struct csv_row *r = slot(c);
    if (c->have_next) {
        swap_rows(r, &c->next);
        c->have_next = 0;
    } else {
        int rc = read_nonblank(s, r);
        if (rc < 0) goto read_error;
        if (rc == 0) return 0;
    }
    c->nrows = 1;
    const char *problem = row_problem(c, r);
    const char *pid = fld(c, r, C_PRODUCT_ID);
    rec->line = rec->line_end = r->line;
    if (!*pid) {
        rec->line_end = r->line_end;
        if (*problem) return import_fail(rec, r->line, "%s", problem), 1;
        return import_fail(rec, r->line, "missing product_id"), 1;
    }
    str_copy(rec->product_id, pid, sizeof rec->product_id);
    unsigned long bad_line = 0;
    char bad[sizeof rec->reason] = "";
    if (*problem) {
        bad_line = r->line;
        str_copy(bad, problem, sizeof bad);
    }
    const unsigned long *earlier = import_map_get(ctx->products, pid);
    if (earlier && !bad_line) {
        bad_line = r->line;
        snprintf(bad, sizeof bad,
                 "rows of product \"%.100s\" must be contiguous: it already started on line %lu",
                 pid, *earlier);
    }
    /* the rest of this product's rows */
    for (;;) {
        struct csv_row *n = slot(c);
        int rc = read_nonblank(s, n);
        if (rc < 0) goto read_error;
        if (rc == 0) break;
        if (strcmp(fld(c, n, C_PRODUCT_ID), fld(c, &c->rows[0], C_PRODUCT_ID)) != 0) {
            swap_rows(n, &c->next);
            c->have_next = 1;
            break;
        }
        c->nrows++;
        problem = row_problem(c, n);
        if (*problem && !bad_line) {
            bad_line = n->line;
            str_copy(bad, problem, sizeof bad);
        }
    }
    pid = fld(c, &c->rows[0], C_PRODUCT_ID);
    if (bad_line) {
        if (!earlier) import_map_put(ctx->products, pid, c->rows[0].line);
        import_fail(rec, bad_line, "%s", bad);
        rec->line_end = c->rows[c->nrows - 1].line_end;
        return 1;
    }
    build_group(c, ctx, rec);
    return 1;
read_error:
    snprintf(rec->reason, sizeof rec->reason, "read error: %s", strerror(s->err));
    return -1;
}
